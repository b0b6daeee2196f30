package com.monogateway.failure;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.admin.AdminHttp;
import com.monogateway.admin.AdminRequest;
import com.monogateway.admin.AdminRouteBuilder;
import com.monogateway.http.Answers;
import com.monogateway.vocabulary.Vocabulary;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' API for the dead-letter store, under {@code /admin} on the management port. These
 * routes hold what each call does, each on its path; {@link AdminHttp} is the guard in front of them (the bearer
 * token, {@code mono.admin.token}, or the console's session). Only added when a token is configured.
 */
public final class DeadLetterRoutes extends AdminRouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterRoutes.class);

    private final DeadLetters deadLetters;
    private final ProducerTemplate template;

    public DeadLetterRoutes(DeadLetters deadLetters, ObjectMapper mapper, ProducerTemplate template) {
        super(mapper);
        this.deadLetters = deadLetters;
        this.template = template;
    }

    @Override
    protected void configureCalls() {
        admin("GET", "/admin/dead-letters", this::list);
        admin("POST", "/admin/dead-letters/replay", this::replayMatching);
        admin("POST", "/admin/dead-letters/{id}/replay", this::replayOne);
        admin("POST", "/admin/dead-letters/{id}/discard", this::discard);
    }

    private void list(Exchange exchange, AdminRequest request) throws Exception {
        String status = request.param("status").orElse("open");
        if (!List.of("open", "replayed", "discarded").contains(status)) {
            throw new BadRequest("status must be open, replayed or discarded");
        }
        int limit = limit(request);
        var rows = deadLetters.list(status, request.param("eventType"), time(request, "from"), time(request, "to"), limit);
        answer(exchange, 200, Map.of("deadLetters", rows, "count", rows.size()));
    }

    private void replayOne(Exchange exchange, AdminRequest request) throws Exception {
        long id = id(request, "dead letter");
        List<Long> inboxIds = new ArrayList<>();
        switch (deadLetters.replay(id, inboxIds)) {
            case NOT_FOUND -> Answers.set(exchange, 404, Answers.error("not_found", "no dead letter #" + id));
            case NOT_OPEN -> Answers.set(exchange, 409, Answers.error("not_open", "dead letter #" + id + " was already replayed or discarded"));
            case DONE -> {
                process(inboxIds);
                LOG.info("Dead letter #{} replayed", id);
                answer(exchange, 200, Map.of("replayed", 1, "deadLetterId", id));
            }
        }
    }

    private void replayMatching(Exchange exchange, AdminRequest request) throws Exception {
        Optional<String> type = request.param("eventType");
        Optional<OffsetDateTime> from = time(request, "from");
        Optional<OffsetDateTime> to = time(request, "to");
        if (type.isEmpty() && from.isEmpty() && to.isEmpty()) {
            throw new BadRequest("give eventType and/or a time range (from, to); this call never replays everything at once");
        }
        List<Long> inboxIds = deadLetters.replayMatching(type, from, to);
        process(inboxIds);
        LOG.info("Replayed {} dead letter(s) (eventType={}, from={}, to={})", inboxIds.size(),
                type.orElse("any"), from.map(Object::toString).orElse("-"), to.map(Object::toString).orElse("-"));
        answer(exchange, 200, Map.of("replayed", inboxIds.size()));
    }

    private void discard(Exchange exchange, AdminRequest request) throws Exception {
        long id = id(request, "dead letter");
        switch (deadLetters.discard(id, reason(request))) {
            case NOT_FOUND -> Answers.set(exchange, 404, Answers.error("not_found", "no dead letter #" + id));
            case NOT_OPEN -> Answers.set(exchange, 409, Answers.error("not_open", "dead letter #" + id + " was already replayed or discarded"));
            case DONE -> answer(exchange, 200, Map.of("discarded", 1, "deadLetterId", id));
        }
    }

    /** Hands replayed events to the processing side now instead of waiting for the sweep. */
    private void process(List<Long> inboxIds) {
        if (!inboxIds.isEmpty()) {
            template.sendBody(Vocabulary.WAKE_PROCESSING, "replayed");
        }
    }
}
