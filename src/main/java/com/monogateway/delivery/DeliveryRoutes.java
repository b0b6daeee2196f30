package com.monogateway.delivery;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.admin.AdminRequest;
import com.monogateway.admin.AdminRouteBuilder;
import com.monogateway.config.GatewaySettings.Destination;
import com.monogateway.http.Answers;
import java.util.List;
import java.util.Map;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One send route per destination ({@code direct:mono-deliver-<name>} to the destination's URI, no
 * error handler: a failure goes back to its {@link Forwarder}), and the admin calls that list, retry
 * and discard deliveries.
 */
public final class DeliveryRoutes extends AdminRouteBuilder {

    /** Header for routes of one's own (direct: destinations): the payment, mandate or account id. */
    public static final String OBJECT_KEY = "MonoObjectKey";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryRoutes.class);
    private static final List<String> STATUSES = List.of("pending", "delivered", "dead", "discarded");

    private final Deliveries deliveries;

    public DeliveryRoutes(Deliveries deliveries, ObjectMapper mapper) {
        super(mapper);
        this.deliveries = deliveries;
    }

    static String sendEndpoint(Destination destination) {
        return "direct:mono-deliver-" + destination.name();
    }

    @Override
    protected void configureCalls() {
        for (Destination destination : deliveries.destinations()) {
            from(sendEndpoint(destination)).routeId("mono-deliver-" + destination.name())
                    .errorHandler(noErrorHandler())
                    .to(destination.uri());
        }
        admin("GET", "/admin/destinations", (exchange, request) -> answer(exchange, 200,
                Map.of("destinations", deliveries.states())));
        admin("GET", "/admin/deliveries", this::list);
        admin("POST", "/admin/deliveries/retry", this::retryDestination);
        admin("POST", "/admin/deliveries/{id}/retry", this::retryOne);
        admin("POST", "/admin/deliveries/{id}/discard", this::discard);
    }

    private void list(Exchange exchange, AdminRequest request) throws Exception {
        String status = request.param("status").orElse("dead");
        if (!STATUSES.contains(status)) {
            throw new BadRequest("status must be one of " + String.join(", ", STATUSES));
        }
        var rows = deliveries.store().list(destination(request, false), status, limit(request));
        answer(exchange, 200, Map.of("deliveries", rows, "count", rows.size()));
    }

    private void retryOne(Exchange exchange, AdminRequest request) throws Exception {
        long id = id(request, "delivery");
        switch (deliveries.store().retry(id)) {
            case NOT_FOUND -> Answers.set(exchange, 404, Answers.error("not_found", "no delivery #" + id));
            case WRONG_STATUS -> Answers.set(exchange, 409, Answers.error("not_dead", "delivery #" + id + " is not dead"));
            case DONE -> {
                LOG.info("Delivery #{} queued again", id);
                deliveries.wakeAll();
                answer(exchange, 200, Map.of("retried", 1, "deliveryId", id));
            }
        }
    }

    private void retryDestination(Exchange exchange, AdminRequest request) throws Exception {
        String destination = destination(request, true).orElseThrow();
        int count = deliveries.store().retryDestination(destination);
        LOG.info("{} dead deliveries to {} queued again", count, destination);
        deliveries.wakeAll();
        answer(exchange, 200, Map.of("retried", count, "destination", destination));
    }

    private void discard(Exchange exchange, AdminRequest request) throws Exception {
        long id = id(request, "delivery");
        switch (deliveries.store().discard(id, reason(request))) {
            case NOT_FOUND -> Answers.set(exchange, 404, Answers.error("not_found", "no delivery #" + id));
            case WRONG_STATUS -> Answers.set(exchange, 409, Answers.error("not_open", "delivery #" + id + " was already delivered or discarded"));
            case DONE -> answer(exchange, 200, Map.of("discarded", 1, "deliveryId", id));
        }
    }

    private java.util.Optional<String> destination(AdminRequest request, boolean required) throws BadRequest {
        var name = request.param("destination");
        if (name.isEmpty()) {
            if (required) {
                throw new BadRequest("give destination (one of " + names() + ")");
            }
            return name;
        }
        if (deliveries.destinations().stream().noneMatch(d -> d.name().equals(name.get()))) {
            throw new BadRequest("no destination '" + name.get() + "'; configured: " + names());
        }
        return name;
    }

    private String names() {
        return String.join(", ", deliveries.destinations().stream().map(Destination::name).toList());
    }
}
