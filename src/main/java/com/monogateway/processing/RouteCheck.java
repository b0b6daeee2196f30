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
 * {@code direct:} endpoint a YAML route sends to has a route, and a handler route reads its set's rows with the
 * names and types its {@code monoEventFields} method declares. Without this check, an unreadable
 * {@code routes/} folder or a handler file that was not loaded leaves a gateway that answers 200 and
 * never applies anything.
 */
public final class RouteCheck {

    private static final Pattern SQL_PARAMETER = Pattern.compile(":\\?([A-Za-z_][A-Za-z0-9_]*)");
    /** {@code jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(}, or {@code :?events::jsonb}: where a set's columns are declared. */
    private static final Pattern RECORDSET = Pattern.compile("(?i)jsonb_to_recordset\\s*\\(\\s*(?:CAST\\s*\\(\\s*:\\?events"
            + "\\s+AS\\s+jsonb\\s*\\)|:\\?events\\s*::\\s*jsonb)\\s*\\)\\s*(?:AS\\s+)?\\w+\\s*\\(");
    private static final String RECORDSET_EXAMPLE = "FROM jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(payment_id text,"
            + " amount bigint, ...), each name and type as EventFields.FIELDS (docs/routes.md) gives it";
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
     * A handler route that takes its SQL parameters from {@code monoEventFields} reads only {@code :?events}, its set's
     * rows, and declares the rows' columns with the names and types its method declares ({@link EventFields#FIELDS}):
     * {@code jsonb_to_recordset(CAST(:?events AS jsonb)) AS e(amount bigint, ...)}. A misspelt name would otherwise be
     * null in every row, and a wrong type fail at the first event, or not at all.
     */
    private static void requireDeclaredInputs(RouteDefinition route) {
        String where = "route " + route.getRouteId() + " (" + route.getResource().getLocation() + ")";
        for (ExpressionNode node : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ExpressionNode.class)) {
            if (!(node.getExpression() instanceof MethodCallExpression call) || !"monoEventFields".equals(call.getRef())) {
                continue;
            }
            List<EventFields.Field> fields = EventFields.FIELDS.get(call.getMethod());
            if (fields == null) {
                throw new SettingsException(where + " calls monoEventFields." + call.getMethod() + ", which does not exist; it has "
                        + new TreeSet<>(EventFields.FIELDS.keySet()));
            }
            Map<String, String> types = fields.stream().collect(Collectors.toMap(EventFields.Field::name, EventFields.Field::type));
            String method = "monoEventFields." + call.getMethod();
            for (ExpressionNode sql : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ExpressionNode.class)) {
                if (sql.getExpression() == null || sql.getExpression().getExpression() == null) {
                    continue;
                }
                String text = COMMENT.matcher(sql.getExpression().getExpression()).replaceAll(" ");
                Matcher name = SQL_PARAMETER.matcher(text);
                int readsOfRows = 0;
                while (name.find()) {
                    if (!name.group(1).equals(EventFields.EVENTS)) {
                        throw new SettingsException(where + " reads :?" + name.group(1) + ", but " + method + " gives one"
                                + " parameter, :?" + EventFields.EVENTS + " (the set's rows); read the value as a column: "
                                + RECORDSET_EXAMPLE);
                    }
                    readsOfRows++;
                }
                Matcher rows = RECORDSET.matcher(text);
                int declaredAsRows = 0;
                while (rows.find()) {
                    declaredAsRows++;
                    requireDeclaredColumns(where, method, types, columns(text, rows.end()));
                }
                if (declaredAsRows < readsOfRows) {
                    throw new SettingsException(where + " reads :?" + EventFields.EVENTS + " but not as rows with declared"
                            + " columns: " + RECORDSET_EXAMPLE);
                }
            }
        }
    }

    /** Each column a handler declares for its set's rows is one its method gives, as the type it gives. */
    private static void requireDeclaredColumns(String where, String method, Map<String, String> types, List<String> columns) {
        for (String column : columns) {
            String[] nameAndType = column.strip().split("\\s+", 2);
            // PostgreSQL folds unquoted names to lower case, and keeps a quoted one as it is.
            String field = nameAndType[0].startsWith("\"") && nameAndType[0].endsWith("\"") && nameAndType[0].length() > 1
                    ? nameAndType[0].substring(1, nameAndType[0].length() - 1) : nameAndType[0].toLowerCase(Locale.ROOT);
            if (!types.containsKey(field)) {
                throw new SettingsException(where + " reads column " + nameAndType[0] + " of :?" + EventFields.EVENTS
                        + ", which " + method + " does not give; it gives " + new TreeSet<>(types.keySet()));
            }
            if (nameAndType.length < 2 || !types.get(field).equals(typeName(nameAndType[1]))) {
                throw new SettingsException(where + " reads " + field + " as "
                        + (nameAndType.length < 2 ? "no type" : nameAndType[1].strip()) + ", but " + method
                        + " gives it as " + types.get(field) + " (EventFields.FIELDS)");
            }
        }
    }

    /** The column definitions {@code name type, ...} up to the parenthesis that closes the list opened before {@code from}. */
    private static List<String> columns(String text, int from) {
        List<String> columns = new java.util.ArrayList<>();
        int depth = 0;
        int start = from;
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && depth > 0) {
                depth--;
            } else if ((c == ',' && depth == 0) || c == ')') {
                columns.add(text.substring(start, i));
                start = i + 1;
                if (c == ')') {
                    return columns;
                }
            }
        }
        throw new SettingsException("unclosed column list after jsonb_to_recordset: " + text.substring(from,
                Math.min(text.length(), from + 60)));
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
