package com.monogateway.admin;

import com.monogateway.config.SecretMatcher;
import com.monogateway.http.Answers;
import com.monogateway.http.Refusals;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin API's HTTP side, on the management port's router (never the webhook port): the one guard in front
 * of every admin call. It checks the bearer token from the one {@code Authorization} header, or the console's
 * session cookie (plus its CSRF token on anything that changes state), before the body is read, and slows down
 * an address that keeps failing (429 with {@code Retry-After}); then the call's own Camel route, consuming
 * {@value #COMPONENT}{@code :<path>} ({@link AdminRouteBuilder#admin}), answers it. Also serves the operations
 * console's page and files, and its sign-in and sign-out.
 */
public final class AdminHttp {

    /** Failed sign-ins one address may make in a window before it is refused until the window ends. */
    static final int MAX_FAILURES = 10;
    static final long WINDOW_MS = 60_000;
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int ORDER = -1_000;

    private static final Logger LOG = LoggerFactory.getLogger(AdminHttp.class);

    /**
     * The Camel component of the admin routes: Camel's platform-http on the management port's router. (Camel's
     * REST DSL cannot be used: its platform-http consumers always join the webhook port's router.)
     */
    public static final String COMPONENT = "admin-http";

    /** The console's session cookie. */
    public static final String COOKIE = "mono_admin_session";
    /** The header a console request that changes state must carry, with the session's CSRF token. */
    public static final String CSRF_HEADER = "X-CSRF-Token";

    private final CamelContext context;
    private final SecretMatcher tokens;
    private final ConsoleSessions sessions;
    private final java.util.Set<String> trustedProxies;
    private final ConsoleFiles files = new ConsoleFiles();
    private final FailedAttempts failures = new FailedAttempts(MAX_FAILURES, WINDOW_MS);

    /** @param trustedProxies addresses whose X-Forwarded-For names the client (mono.admin.trusted-proxies) */
    public AdminHttp(CamelContext context, SecretMatcher tokens, ConsoleSessions sessions, List<String> trustedProxies) {
        this.context = context;
        this.tokens = tokens;
        this.sessions = sessions;
        this.trustedProxies = java.util.Set.copyOf(trustedProxies);
    }

    /**
     * Who is asking, for the failed sign-in limit and the logs: the connection's address, or, when that is a
     * trusted proxy, the last address in X-Forwarded-For that is not one (the ones before it are the
     * client's to write). Without trusted proxies the header counts for nothing.
     */
    String client(RoutingContext ctx) {
        String remote = Refusals.remote(ctx);
        if (!trustedProxies.contains(remote)) {
            return remote;
        }
        List<String> hops = new java.util.ArrayList<>();
        for (String header : ctx.request().headers().getAll("X-Forwarded-For")) {
            for (String hop : header.split(",")) {
                hops.add(hop.strip());
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            String hop = hops.get(i);
            if (!trustedProxies.contains(hop)) {
                return hop.matches("[0-9a-fA-F:.]{2,45}") ? hop : remote;
            }
        }
        return remote;
    }

    public void install(Router router) {
        // The console's page and files and signing in come before the credentials check: they hold no data.
        // Vert.x matches /admin and /admin/ alike: the page's relative links need the slash.
        router.get("/admin/").order(ORDER - 9).handler(ctx -> {
            if (ctx.request().path().endsWith("/")) {
                files.serve(ctx, "index.html");
            } else {
                ctx.redirect("/admin/");
            }
        });
        router.get("/admin/console.js").order(ORDER - 8).handler(ctx -> files.serve(ctx, "console.js"));
        router.get("/admin/console.css").order(ORDER - 7).handler(ctx -> files.serve(ctx, "console.css"));
        // Three routes, not three handlers on one: Vert.x wants a body handler first on its route.
        router.post("/admin/session").order(ORDER - 6).handler(this::notThrottled);
        router.post("/admin/session").order(ORDER - 5).handler(BodyHandler.create(false).setBodyLimit(4_096));
        router.post("/admin/session").order(ORDER - 4).handler(this::signIn);
        router.route("/admin/*").order(ORDER).handler(this::authorize);
        router.route("/admin/*").order(ORDER + 1).handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES));
        router.get("/admin/session").order(ORDER + 2).handler(this::sessionInfo);
        router.post("/admin/session/end").order(ORDER + 3).handler(this::signOut);
        // After every admin route's consumer, which joins the router when its route starts (and leaves it when it
        // stops): while the gateway starts or stops, a call with no route yet or any more is to be retried, not unknown.
        router.route("/admin/*").order(Integer.MAX_VALUE).handler(ctx -> {
            if (!context.isStarted()) {
                answer(ctx, 503, Answers.error("unavailable", "the gateway is starting or stopping; retry later"));
                return;
            }
            answer(ctx, 404, Answers.error("not_found", "no admin call " + ctx.request().method() + " " + ctx.normalizedPath()));
        });
    }

    /** The {@value #COMPONENT} component: platform-http consumers on the router of the management port. */
    public static PlatformHttpComponent component(int managementPort) {
        PlatformHttpComponent component = new PlatformHttpComponent();
        component.setEngine(new VertxPlatformHttpEngine() {
            @Override
            protected void doInit() {
                // Not bound as the context's platform-http engine: that one serves the webhook port.
            }

            @Override
            public int getServerPort() {
                return managementPort;
            }
        });
        return component;
    }

    /** An address that failed too often is refused, whatever it presents; answers whether to go on. */
    private boolean refusedWhileThrottled(RoutingContext ctx) {
        long wait = failures.blockedForSeconds(client(ctx), System.currentTimeMillis());
        if (wait > 0) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, Long.toString(wait));
            Refusals.refuse(ctx, 429, Answers.error("too_many_requests",
                    "too many failed sign-ins from this address; retry after " + wait + " s"), MAX_BODY_BYTES);
            return true;
        }
        return false;
    }

    private void notThrottled(RoutingContext ctx) {
        if (!refusedWhileThrottled(ctx)) {
            ctx.next();
        }
    }

    /**
     * The console's sign-in: {@code {"token": "..."}} in, the session cookie and its CSRF token out. Only as the
     * console sends it, from its own origin: JSON (a page elsewhere can post a form, but not JSON without the
     * browser asking first) and, where the browser says, same-origin. A cross-site page could otherwise post
     * wrong tokens from the operator's browser and have the operator's address throttled.
     */
    private void signIn(RoutingContext ctx) {
        String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType == null || !contentType.split(";", 2)[0].strip().equalsIgnoreCase("application/json")) {
            answer(ctx, 415, Answers.error("unsupported_media_type", "sign in with a JSON body, as the console does"));
            return;
        }
        if (!sameOrigin(ctx)) {
            LOG.warn("Refused a console sign-in from {}: sent by a page of another origin ({})", client(ctx),
                    String.valueOf(ctx.request().getHeader(HttpHeaders.ORIGIN)).replaceAll("\\p{Cntrl}", "?"));
            answer(ctx, 403, Answers.error("cross_origin", "sign in from the console's own page"));
            return;
        }
        String token;
        try {
            token = ctx.body().asJsonObject().getString("token");
        } catch (RuntimeException e) {
            token = null;
        }
        if (token == null || !tokens.accepts(token)) {
            int failed = failures.failed(client(ctx), System.currentTimeMillis());
            LOG.warn("Refused a console sign-in from {}: {} token ({} failure(s) from there in this minute)", client(ctx),
                    token == null ? "missing" : "invalid", failed);
            answer(ctx, 401, Answers.error("unauthorized", "that is not an admin token (mono.admin.token)"));
            return;
        }
        var opened = sessions.open(System.currentTimeMillis());
        ctx.response().addCookie(io.vertx.core.http.Cookie.cookie(COOKIE, opened.getKey())
                .setPath("/admin").setHttpOnly(true).setSameSite(io.vertx.core.http.CookieSameSite.STRICT)
                .setSecure(behindTls(ctx)).setMaxAge(ConsoleSessions.MAX_LIFETIME_MS / 1_000));
        LOG.info("Console sign-in from {}", client(ctx));
        answer(ctx, 200, new io.vertx.core.json.JsonObject().put("csrfToken", opened.getValue().csrfToken())
                .put("expiresAt", opened.getValue().expiresAt()).encode());
    }

    /** Who is signed in, and the CSRF token the console echoes on changes. */
    private void sessionInfo(RoutingContext ctx) {
        ConsoleSessions.Session session = ctx.get("mono.session");
        var json = new io.vertx.core.json.JsonObject().put("signedIn", true).put("via", session == null ? "token" : "console");
        if (session != null) {
            json.put("csrfToken", session.csrfToken()).put("expiresAt", session.expiresAt());
        }
        answer(ctx, 200, json.encode());
    }

    private void signOut(RoutingContext ctx) {
        var cookie = ctx.request().getCookie(COOKIE);
        sessions.close(cookie == null ? null : cookie.getValue());
        ctx.response().addCookie(io.vertx.core.http.Cookie.cookie(COOKIE, "").setPath("/admin").setHttpOnly(true)
                .setSameSite(io.vertx.core.http.CookieSameSite.STRICT).setSecure(behindTls(ctx)).setMaxAge(0));
        answer(ctx, 200, "{\"signedOut\":true}");
    }

    /**
     * No Origin (a script, curl), or the Origin of this very host and port; and, when the browser tells
     * (Sec-Fetch-Site), a request from the same origin or typed by the user.
     */
    static boolean sameOrigin(RoutingContext ctx) {
        String site = ctx.request().getHeader("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin") && !site.equals("none")) {
            return false;
        }
        String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
        if (origin == null) {
            return true;
        }
        String host = ctx.request().getHeader(HttpHeaders.HOST);
        return host != null && (origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host));
    }

    /** TLS here, or at a proxy in front that says so: the cookie is then only ever sent over TLS. */
    private static boolean behindTls(RoutingContext ctx) {
        return ctx.request().isSSL() || "https".equalsIgnoreCase(ctx.request().getHeader("X-Forwarded-Proto"));
    }

    private void authorize(RoutingContext ctx) {
        if (refusedWhileThrottled(ctx)) {
            return;
        }
        String address = client(ctx);
        long now = System.currentTimeMillis();
        List<String> authorization = ctx.request().headers().getAll(HttpHeaders.AUTHORIZATION);
        var cookie = ctx.request().getCookie(COOKIE);
        if (authorization.isEmpty() && cookie != null) {
            authorizeSession(ctx, cookie.getValue(), now);
            return;
        }
        if (authorization.isEmpty()) {
            // No credentials at all (a console not signed in yet) is not a guess: not counted against the address.
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Refusals.refuse(ctx, 401, Answers.error("unauthorized", "missing or invalid bearer token"), MAX_BODY_BYTES);
            return;
        }
        String token = authorization.size() == 1 ? bearer(authorization.get(0)) : null;
        if (token == null || !tokens.accepts(token)) {
            int failed = failures.failed(address, now);
            // Never the presented value: a mistyped token is most of a real one.
            LOG.warn("Refused an admin request from {} to {} {}: {} bearer token ({} failure(s) from there in this minute)",
                    address, ctx.request().method(), ctx.normalizedPath(), token == null ? "missing" : "invalid", failed);
            ctx.response().putHeader("WWW-Authenticate", "Bearer");
            Refusals.refuse(ctx, 401, Answers.error("unauthorized", "missing or invalid bearer token"), MAX_BODY_BYTES);
            return;
        }
        pass(ctx);
    }

    /** An authenticated request goes on to its call: with a query string it can read, answered never to be cached. */
    private static void pass(RoutingContext ctx) {
        try {
            ctx.queryParams();
        } catch (RuntimeException e) {
            answer(ctx, 400, Answers.error("bad_request", "the query string is not valid URL encoding"));
            return;
        }
        ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
        ctx.next();
    }

    /** What the console reads on a timer, not at an operator's request. */
    private static final java.util.Set<String> REFRESHED_BY_THE_CONSOLE = java.util.Set.of("/admin/overview", "/admin/destinations",
            "/admin/activity");

    /**
     * A console request: a live session, and on anything but a read the session's CSRF token in
     * {@value #CSRF_HEADER} (a page elsewhere can make the browser send the cookie, never that header).
     */
    private void authorizeSession(RoutingContext ctx, String cookie, long now) {
        // The console refreshes its header and charts on its own every few seconds: that alone keeps nobody signed in.
        var session = sessions.find(cookie, now, !REFRESHED_BY_THE_CONSOLE.contains(ctx.normalizedPath()));
        if (session.isEmpty()) {
            Refusals.refuse(ctx, 401, Answers.error("signed_out", "the console session has ended; sign in again"), MAX_BODY_BYTES);
            return;
        }
        var method = ctx.request().method();
        boolean reads = method == io.vertx.core.http.HttpMethod.GET || method == io.vertx.core.http.HttpMethod.HEAD;
        if (!reads && !ConsoleSessions.sameToken(session.get().csrfToken(), ctx.request().getHeader(CSRF_HEADER))) {
            LOG.warn("Refused a console request from {} to {} {}: missing or wrong CSRF token", client(ctx), method,
                    ctx.normalizedPath());
            Refusals.refuse(ctx, 403, Answers.error("csrf", "missing or wrong " + CSRF_HEADER + "; reload the console"),
                    MAX_BODY_BYTES);
            return;
        }
        ctx.put("mono.session", session.get());
        pass(ctx);
    }

    private static void answer(RoutingContext ctx, int status, String json) {
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(json);
    }

    private static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
    }
}
