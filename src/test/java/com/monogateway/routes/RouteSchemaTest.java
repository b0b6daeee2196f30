package com.monogateway.routes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every route file integration teams edit stays valid against the YAML DSL schema inside camel-yaml-dsl (the
 * schema Kaoto and the VS Code Camel extension check against): an edit they would reject fails the build.
 */
class RouteSchemaTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static JsonSchema schema() throws Exception {
        try (InputStream in = RouteSchemaTest.class.getResourceAsStream("/schema/camelYamlDsl.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(in);
        }
    }

    @Test
    void everyRouteFileIsValidAgainstCamelsYamlDslSchema() throws Exception {
        JsonSchema schema = schema();
        List<Path> files;
        try (var list = Files.list(Path.of("routes"))) {
            files = list.filter(f -> f.toString().endsWith(".camel.yaml")).sorted().toList();
        }
        assertFalse(files.isEmpty());
        Path example = Path.of("routes", "examples", "to-canonical.camel.yaml.example");
        for (Path file : java.util.stream.Stream.concat(files.stream(), java.util.stream.Stream.of(example)).toList()) {
            JsonNode routes = YAML.readTree(file.toFile());
            Set<ValidationMessage> errors = schema.validate(routes);
            assertEquals(Set.of(), errors, file + " is not valid YAML DSL");
        }
    }

    @Test
    void theSchemaCatchesAMistakeAnEditorWouldFlag() throws Exception {
        JsonNode broken = YAML.readTree("- route:\n    from:\n      uri: direct:x\n      steps:\n        - setHeader:\n            nmae: X\n");
        assertTrue(!schema().validate(broken).isEmpty(), "a misspelt option is reported");
    }
}
