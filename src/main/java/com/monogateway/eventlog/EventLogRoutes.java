package com.monogateway.eventlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.monogateway.admin.AdminRequest;
import com.monogateway.admin.AdminRouteBuilder;
import com.monogateway.http.Answers;
import com.monogateway.vocabulary.Vocabulary;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event log of the admin API: {@code GET /admin/events} (filters {@code type} glob, {@code status},
 * {@code from}, {@code to}, {@code q}; newest first, paged by {@code before}), {@code GET /admin/events/{id}},
 * {@code POST /admin/events/replay} (same filters, {@code dryRun}), and the objects the events shape.
 */
public final class EventLogRoutes extends AdminRouteBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(EventLogRoutes.class);

    /** Most events a replay puts back in the inbox within its admin request; more run as a background job. */
    static final long INLINE_REPLAY_MAX = 1_000;

    private final ReplayJobs jobs = new ReplayJobs();

    private final EventLog log;
    private final ProducerTemplate template;

    public EventLogRoutes(EventLog log, ObjectMapper mapper, ProducerTemplate template) {
        super(mapper);
        this.log = log;
        this.template = template;
    }

    @Override
    protected void configureCalls() {
        admin("GET", "/admin/overview", (exchange, request) -> answer(exchange, 200, log.overview()));
        admin("GET", "/admin/activity", (exchange, request) -> {
            String window = request.param("window").orElse("1h");
            if (!window.equals("1h") && !window.equals("24h")) {
                Answers.set(exchange, 400, Answers.error("bad_request", "window is 1h or 24h, not " + window));
                return;
            }
            answer(exchange, 200, log.activity(window.equals("1h") ? EventLog.Window.HOUR : EventLog.Window.DAY));
        });
        admin("GET", "/admin/events", this::list);
        admin("POST", "/admin/events/replay", this::replay);
        // Before /admin/events/{id}, which would take "replays" for an id.
        admin("GET", "/admin/events/replays", (exchange, request) -> answer(exchange, 200, Map.of("replays", jobs.recent())));
        admin("GET", "/admin/events/replays/{id}", (exchange, request) -> {
            long id = id(request, "replay job");
            var job = jobs.find(id);
            if (job.isEmpty()) {
                Answers.set(exchange, 404, Answers.error("not_found", "no replay job #" + id + " (the last 20 are kept until a restart)"));
                return;
            }
            answer(exchange, 200, job.get().view());
        });
        admin("GET", "/admin/events/{id}", this::one);
        // After /admin/payments/mismatches (MonoApiRoutes, added first), which would otherwise be taken for an id.
        admin("GET", "/admin/payments/{id}", (exchange, request) -> object(exchange, request, EventLog.ObjectKind.PAYMENT));
        admin("GET", "/admin/mandates/{id}", (exchange, request) -> object(exchange, request, EventLog.ObjectKind.MANDATE));
        admin("GET", "/admin/accounts/{id}", (exchange, request) -> object(exchange, request, EventLog.ObjectKind.ACCOUNT));
    }

    private void list(Exchange exchange, AdminRequest request) throws Exception {
        var filter = filter(request);
        int limit = limit(request);
        var rows = log.list(filter, limit);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("events", rows);
        answer.put("count", rows.size());
        // Keyset paging: the next page is everything older than the last one shown; new arrivals never shift it.
        answer.put("nextBefore", rows.size() == limit ? rows.get(rows.size() - 1).get("id") : null);
        answer(exchange, 200, answer);
    }

    /**
     * Sends every matching event through the routes again (not only dead letters); {@code dryRun=true} only
     * counts them. At least one filter is required: this call never replays everything at once ({@code type=*}
     * is no filter). Up to {@value #INLINE_REPLAY_MAX} events are put back within the request (200, how many);
     * more run as a background job (202, the job and where to follow its progress), one job at a time.
     */
    private void replay(Exchange exchange, AdminRequest request) throws Exception {
        EventLog.Filter filter = filter(request);
        if (filter.typeGlob().filter(glob -> !glob.chars().allMatch(ch -> ch == '*')).isEmpty() && filter.status().isEmpty()
                && filter.from().isEmpty() && filter.to().isEmpty() && filter.q().isEmpty()) {
            throw new BadRequest("give at least one of type (other than *), status, from, to, q; this call never replays"
                    + " everything at once");
        }
        long count = log.countReplayable(filter);
        if (request.param("dryRun").map("true"::equalsIgnoreCase).orElse(false)) {
            answer(exchange, 200, Map.of("wouldReplay", count, "dryRun", true));
            return;
        }
        String described = "type=" + filter.typeGlob().orElse("any") + ", status=" + filter.status().orElse("any") + ", from="
                + filter.from().map(Object::toString).orElse("-") + ", to=" + filter.to().map(Object::toString).orElse("-")
                + ", q=" + filter.q().orElse("-");
        if (count <= INLINE_REPLAY_MAX) {
            long replayed = replayNow(filter, total -> { });
            LOG.info("Event replay done: {} event(s) ({})", replayed, described);
            answer(exchange, 200, Map.of("replayed", replayed));
            return;
        }
        var start = jobs.start(described, count, progress -> replayNow(filter, progress));
        if (!start.started()) {
            Map<String, Object> busy = new LinkedHashMap<>(Map.of("error", "replay_running",
                    "message", "replay job #" + start.job().id + " is still running; start this one when it has ended"));
            busy.put("running", start.job().view());
            answer(exchange, 409, busy);
            return;
        }
        LOG.info("Event replay job #{} started: {} event(s) ({})", start.job().id, count, described);
        answer(exchange, 202, start.job().view());
    }

    /** Puts the events back, a committed batch at a time, and wakes the workers after each batch. */
    private long replayNow(EventLog.Filter filter, java.util.function.LongConsumer progress) throws Exception {
        return log.replay(filter, total -> {
            LOG.info("Event replay: {} event(s) back in the inbox so far", total);
            progress.accept(total);
            // Each batch is committed: let the workers start on it while the next is prepared.
            template.sendBody(Vocabulary.WAKE_PROCESSING, "replayed");
        });
    }

    private void object(Exchange exchange, AdminRequest request, EventLog.ObjectKind kind) throws Exception {
        String id = request.param("id").orElse("");
        var object = log.object(kind, id);
        if (object.isEmpty()) {
            Answers.set(exchange, 404, Answers.error("not_found", "no " + kind.name().toLowerCase(java.util.Locale.ROOT) + " " + id));
            return;
        }
        answer(exchange, 200, object.get());
    }

    private static EventLog.Filter filter(AdminRequest request) throws BadRequest {
        Optional<String> status = request.param("status");
        if (status.isPresent() && !EventLog.STATUSES.contains(status.get())) {
            throw new BadRequest("status must be one of " + String.join(", ", EventLog.STATUSES));
        }
        Optional<Long> before;
        try {
            before = request.param("before").map(Long::parseLong);
        } catch (NumberFormatException e) {
            throw new BadRequest("before must be an event id (the nextBefore of the previous page)");
        }
        return new EventLog.Filter(request.param("type").filter(t -> !t.isBlank()), status, time(request, "from"),
                time(request, "to"), request.param("q").map(String::strip).filter(q -> !q.isEmpty()), before);
    }

    private void one(Exchange exchange, AdminRequest request) throws Exception {
        long id = id(request, "event");
        var event = log.event(id);
        if (event.isEmpty()) {
            Answers.set(exchange, 404, Answers.error("not_found", "no event #" + id));
            return;
        }
        answer(exchange, 200, event.get());
    }
}
