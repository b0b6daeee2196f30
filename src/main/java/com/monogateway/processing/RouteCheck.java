package com.monogateway.processing;

import com.monogateway.config.SettingsException;
import com.monogateway.event.EventFields;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ExpressionNode;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.model.language.MethodCallExpression;

/**
 * Checked once the routes are loaded, before anything starts: the event router exists, and every
 * {@code direct:} endpoint a YAML route sends to has a route, and every SQL parameter a handler route reads
 * is one its {@code monoEventFields} method gives, cast to the type it declares and named as it is named. Without this check, an unreadable
 * {@code routes/} folder or a handler file that was not loaded leaves a gateway that answers 200 and
 * never applies anything.
 */
public final class RouteCheck {

    private static final Pattern SQL_PARAMETER = Pattern.compile(":\\?([A-Za-z_][A-Za-z0-9_]*)");
    /** {@code CAST(:?name AS type) AS alias}, the alias optional: how the handlers type each value once. */
    private static final Pattern CAST = Pattern.compile(
            "(?i)CAST\\s*\\(\\s*:\\?(\\w+)\\s+AS\\s+([^()]*?(?:\\([^()]*\\))?[^()]*?)\\s*\\)(?:\\s+AS\\s+(\\w+)\\b)?");
    /** {@code :?name::type}, PostgreSQL's own spelling of a cast. */
    private static final Pattern SHORT_CAST = Pattern.compile(
            "(?i):\\?(\\w+)\\s*::\\s*([A-Za-z_][\\w.]*(?:\\s*\\([^()]*\\))?(?:\\s*\\[\\s*\\])?)");
    /** Just before a cast whose "AS x" is then the outer cast's type, not an alias: {@code CAST(CAST(:?a AS t) AS date)}. */
    private static final Pattern INSIDE_A_CAST = Pattern.compile("(?i)CAST\\s*\\(\\s*$");
    private static final Pattern COMMENT = Pattern.compile("--[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);
    /** PostgreSQL's other spellings of the declared types. */
    private static final Map<String, String> TYPE_NAMES = Map.of("int8", "bigint", "bool", "boolean",
            "timestamp with time zone", "timestamptz", "varchar", "text", "character varying", "text");

    private RouteCheck() {
    }

    public static void requireComplete(CamelContext context) {
        var routes = context.getCamelContextExtension().getContextPlugin(Model.class).getRouteDefinitions();
        Set<String> consumed = routes.stream().map(r -> directName(r.getInput().getEndpointUri()))
                .filter(name -> name != null).collect(Collectors.toSet());
        String pattern = context.getPropertiesComponent().resolveProperty("camel.main.routes-include-pattern").orElse("?");
        if (!consumed.contains(directName(ProcessingRoutes.EVENT_ROUTER))) {
            throw new SettingsException("no route consumes " + ProcessingRoutes.EVENT_ROUTER + ": the event router"
                    + " (routes/event-router.camel.yaml) was not loaded from camel.main.routes-include-pattern=" + pattern
                    + "; check that the files exist and are readable");
        }
        for (RouteDefinition route : routes) {
            if (route.getResource() == null) {
                continue; // the gateway's own Java routes
            }
            requireDeclaredInputs(route);
            for (ToDefinition to : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ToDefinition.class)) {
                String target = directName(to.getUri());
                if (target != null && !consumed.contains(target)) {
                    throw new SettingsException("route " + route.getRouteId() + " (" + route.getResource().getLocation()
                            + ") sends to direct:" + target + ", but no route consumes it; was its file loaded"
                            + " (camel.main.routes-include-pattern=" + pattern + ")?");
                }
            }
        }
    }

    /**
     * A handler route that takes its SQL parameters from {@code monoEventFields} reads only the names that method
     * declares ({@link EventFields#FIELDS}), as the type it declares and by that one name ({@code CAST(:?amount AS bigint)
     * AS amount}): a misspelt {@code :?name} or a wrong cast would otherwise fail at the first event, or not at all.
     */
    private static void requireDeclaredInputs(RouteDefinition route) {
        String where = "route " + route.getRouteId() + " (" + route.getResource().getLocation() + ")";
        for (ExpressionNode node : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ExpressionNode.class)) {
            if (!(node.getExpression() instanceof MethodCallExpression call) || !"monoEventFields".equals(call.getRef())) {
                continue;
            }
            Set<String> declared = EventFields.DECLARED.get(call.getMethod());
            if (declared == null) {
                throw new SettingsException(where + " calls monoEventFields." + call.getMethod() + ", which does not exist; it has "
                        + new TreeSet<>(EventFields.DECLARED.keySet()));
            }
            Map<String, String> types = EventFields.FIELDS.get(call.getMethod()).stream()
                    .collect(Collectors.toMap(EventFields.Field::name, EventFields.Field::type));
            for (ExpressionNode sql : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ExpressionNode.class)) {
                if (sql.getExpression() == null || sql.getExpression().getExpression() == null) {
                    continue;
                }
                String text = COMMENT.matcher(sql.getExpression().getExpression()).replaceAll(" ");
                Matcher name = SQL_PARAMETER.matcher(text);
                while (name.find()) {
                    if (!declared.contains(name.group(1))) {
                        throw new SettingsException(where + " reads :?" + name.group(1) + ", which monoEventFields."
                                + call.getMethod() + " does not give; it gives " + new TreeSet<>(declared));
                    }
                }
                for (Matcher cast : List.of(CAST.matcher(text), SHORT_CAST.matcher(text))) {
                    while (cast.find()) {
                        String field = cast.group(1);
                        if (!types.get(field).equals(typeName(cast.group(2)))) {
                            throw new SettingsException(where + " casts :?" + field + " to " + cast.group(2).strip()
                                    + ", but monoEventFields." + call.getMethod() + " gives it as " + types.get(field)
                                    + " (EventFields.FIELDS)");
                        }
                        String alias = cast.groupCount() >= 3 ? cast.group(3) : null;
                        boolean typeOfAnOuterCast = INSIDE_A_CAST.matcher(text.substring(Math.max(0, cast.start() - 40),
                                cast.start())).find();
                        // Unquoted names are folded to lower case by PostgreSQL: Amount is amount.
                        if (alias != null && !typeOfAnOuterCast && !alias.toLowerCase(Locale.ROOT).equals(field)) {
                            throw new SettingsException(where + " names :?" + field + " " + alias
                                    + "; give each value one name from the event to the SQL: AS " + field);
                        }
                    }
                }
            }
        }
    }

    /** A type as PostgreSQL names it: lower case, no schema, no modifiers ({@code timestamp(3) with time zone} is timestamptz). */
    static String typeName(String raw) {
        String type = raw.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ").replaceFirst("^pg_catalog\\.", "")
                .replaceAll(" ?\\([^()]*\\)", "").replaceAll(" ?\\[ ?]$", "[]");
        return TYPE_NAMES.getOrDefault(type, type);
    }

    /** {@code mono-event} for {@code direct:mono-event}, {@code direct://mono-event?x=y}; null for other endpoints. */
    private static String directName(String uri) {
        if (uri == null || !uri.startsWith("direct:")) {
            return null;
        }
        String name = uri.substring("direct:".length());
        if (name.startsWith("//")) {
            name = name.substring(2);
        }
        int query = name.indexOf('?');
        return query < 0 ? name : name.substring(0, query);
    }
}
