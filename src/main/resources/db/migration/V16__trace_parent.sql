-- The W3C traceparent of the request that brought the event (null when tracing is off, and for events the
-- gateway learnt from Mono's API or older than tracing): processing and every delivery of the event continue
-- that trace, on whichever thread or instance they run. Nullable without a default: adding it rewrites nothing.
ALTER TABLE webhook_events ADD COLUMN trace_parent text;
