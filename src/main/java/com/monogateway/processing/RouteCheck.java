package com.monogateway.processing;

import com.monogateway.config.SettingsException;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;

/**
 * Checked once the routes are loaded, before anything starts: the event router exists, and every
 * {@code direct:} endpoint a YAML route sends to has a route. Without this check, an unreadable
 * {@code routes/} folder or a handler file that was not loaded leaves a gateway that answers 200 and
 * never applies anything.
 */
public final class RouteCheck {

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
