package com.monogateway.eventlog;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Large replays run here, one at a time, off the admin request that started them: the request answers at
 * once with the job, and the job's progress (events back in the inbox so far, of how many) is read from the
 * admin API and the console until it ends. Jobs live in memory: a restart ends a running one, and what it had
 * put back in the inbox is applied as usual (each batch was committed). The worker thread is a daemon: a job
 * cut off by the stop leaves nothing half done that the inbox does not already hold.
 */
final class ReplayJobs {

    private static final Logger LOG = LoggerFactory.getLogger(ReplayJobs.class);
    private static final int KEPT = 20;

    /** What a replay does: puts the filter's events back in the inbox, telling the running total after each batch. */
    interface Work {
        long run(LongConsumer progress) throws Exception;
    }

    /** One replay, as the admin API shows it. */
    static final class Job {
        final long id;
        final String filter;
        final long total;
        final OffsetDateTime startedAt = OffsetDateTime.now(ZoneOffset.UTC);
        final AtomicLong replayed = new AtomicLong();
        volatile String status = "running";
        volatile OffsetDateTime endedAt;
        volatile String error;

        Job(long id, String filter, long total) {
            this.id = id;
            this.filter = filter;
            this.total = total;
        }

        Map<String, Object> view() {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("job", id);
            view.put("status", status);
            view.put("filter", filter);
            view.put("total", total);
            view.put("replayed", replayed.get());
            view.put("startedAt", startedAt.toString());
            view.put("endedAt", endedAt == null ? null : endedAt.toString());
            view.put("error", error);
            view.put("progressUrl", "/admin/events/replays/" + id);
            return view;
        }
    }

    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "mono-replay");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<Long, Job> jobs = new LinkedHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    /** Starts a job, or answers the one still running (only one at a time: each shares the database with ingest). */
    synchronized Start start(String filter, long total, Work work) {
        Optional<Job> running = jobs.values().stream().filter(j -> "running".equals(j.status)).findFirst();
        if (running.isPresent()) {
            return new Start(running.get(), false);
        }
        Job job = new Job(ids.incrementAndGet(), filter, total);
        jobs.put(job.id, job);
        while (jobs.size() > KEPT) {
            jobs.remove(jobs.keySet().iterator().next());
        }
        worker.execute(() -> {
            try {
                long done = work.run(job.replayed::set);
                job.replayed.set(done);
                job.status = "done";
                LOG.info("Replay job #{} done: {} event(s) back in the inbox ({})", job.id, done, filter);
            } catch (Exception | Error e) {
                job.status = "failed";
                job.error = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.error("Replay job #{} stopped after {} event(s) ({})", job.id, job.replayed.get(), filter, e);
            } finally {
                job.endedAt = OffsetDateTime.now(ZoneOffset.UTC);
            }
        });
        return new Start(job, true);
    }

    /** A start's outcome: the job, and whether it is the new one (false: another one is still running). */
    record Start(Job job, boolean started) {
    }

    synchronized Optional<Job> find(long id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** The kept jobs, newest first. */
    synchronized List<Map<String, Object>> recent() {
        List<Map<String, Object>> views = new ArrayList<>();
        jobs.values().forEach(job -> views.add(0, job.view()));
        return views;
    }
}
