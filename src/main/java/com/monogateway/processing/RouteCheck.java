package com.monogateway.processing;

import com.monogateway.config.SettingsException;
import com.monogateway.event.EventFields;
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
 * is one its {@code monoEventFields} method gives. Without this check, an unreadable
 * {@code routes/} folder or a handler file that was not loaded leaves a gateway that answers 200 and
 * never applies anything.
 */
public final class RouteCheck {

    private static final Pattern SQL_PARAMETER = Pattern.compile(":\\?([A-Za-z_][A-Za-z0-9_]*)");

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
     * declares ({@link EventFields#DECLARED}): a misspelt {@code :?name} would otherwise fail at the first event.
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
            for (ExpressionNode sql : ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), ExpressionNode.class)) {
                if (sql.getExpression() == null || sql.getExpression().getExpression() == null) {
                    continue;
                }
                Matcher name = SQL_PARAMETER.matcher(sql.getExpression().getExpression());
                while (name.find()) {
                    if (!declared.contains(name.group(1))) {
                        throw new SettingsException(where + " reads :?" + name.group(1) + ", which monoEventFields."
                                + call.getMethod() + " does not give; it gives " + declared);
                    }
                }
            }
        }
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
