package com.monogateway.admin;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sign-ins to the operations console: a random session id in an {@code HttpOnly}, {@code SameSite=Strict}
 * cookie, a CSRF token that every state-changing console request must echo in {@code X-CSRF-Token}, and
 * an idle timeout. Kept in this gateway's memory (only a digest of each id): a restart signs everyone out.
 */
public final class ConsoleSessions {

    /** A signed-in console: idle until {@code expiresAt}, never beyond {@code endsAt}. */
    public record Session(String csrfToken, long expiresAt, long endsAt) {
    }

    /** However active, a session ends this long after sign-in (the cookie's Max-Age too). */
    static final long MAX_LIFETIME_MS = 12 * 3_600_000L;
    private static final int MAX_SESSIONS = 1_000;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final long idleTimeoutMs;
    private final Map<String, Session> byDigest = new ConcurrentHashMap<>();

    public ConsoleSessions(long idleTimeoutMs) {
        this.idleTimeoutMs = idleTimeoutMs;
    }

    long idleTimeoutMs() {
        return idleTimeoutMs;
    }

    /** A new session; answers its id (for the cookie) and the session. */
    Map.Entry<String, Session> open(long now) {
        if (byDigest.size() >= MAX_SESSIONS) {
            byDigest.values().removeIf(s -> s.expiresAt() <= now);
            if (byDigest.size() >= MAX_SESSIONS) {
                byDigest.clear(); // a flood of sign-ins (each needed the token) signs everyone out rather than growing
            }
        }
        String id = random();
        Session session = new Session(random(), Math.min(now + idleTimeoutMs, now + MAX_LIFETIME_MS), now + MAX_LIFETIME_MS);
        byDigest.put(digest(id), session);
        return Map.entry(id, session);
    }

    /**
     * The live session of this cookie value; empty when unknown or expired. {@code active}: the operator did
     * something (the idle timeout restarts), not a page's own refresh.
     */
    Optional<Session> find(String id, long now, boolean active) {
        if (id == null || id.isEmpty()) {
            return Optional.empty();
        }
        String key = digest(id);
        Session session = byDigest.get(key);
        if (session == null) {
            return Optional.empty();
        }
        if (session.expiresAt() <= now) {
            byDigest.remove(key);
            return Optional.empty();
        }
        if (!active) {
            return Optional.of(session);
        }
        Session renewed = new Session(session.csrfToken(), Math.min(now + idleTimeoutMs, session.endsAt()), session.endsAt());
        // Only if it is still there: a sign-out at this moment must not be undone.
        return byDigest.replace(key, session, renewed) ? Optional.of(renewed) : Optional.empty();
    }

    void close(String id) {
        if (id != null) {
            byDigest.remove(digest(id));
        }
    }

    /** Constant-time: the time to refuse does not tell how much of the token was right. */
    static boolean sameToken(String expected, String presented) {
        return presented != null && MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                presented.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static String random() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String digest(String id) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(id.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
