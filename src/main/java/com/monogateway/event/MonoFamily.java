package com.monogateway.event;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The one table of the event families the gateway applies: which event types belong to each, the object they are
 * about, the handler route the router sends them to, and whether Mono's API confirms them. Processing puts the
 * family's {@link #header} in the {@code MonoFamily} header, and {@code routes/event-router.camel.yaml} routes on
 * it. A type in no family is stored and left alone ({@code ignored}, reason {@code no-handler}).
 * <p>
 * Adding an event type of a family the gateway already applies is one line here (docs/routes.md shows it); a new
 * family needs its handler route and its fields ({@code EventFields}) too.
 */
public enum MonoFamily {

    /** DirectPay payments ({@code txd_...}): every status Mono sends. */
    PAYMENT("payment", ObjectKind.PAYMENT, "direct:mono-payments", true, List.of(),
            List.of("direct_debit.payment_")),
    /** Debits of a Direct Debit mandate: about the mandate, recorded per debit reference. */
    MANDATE_DEBIT("mandate-debit", ObjectKind.MANDATE, "direct:mono-mandate-debits", false, List.of(),
            List.of("events.mandates.debit.")),
    /** Direct Debit mandates ({@code mmc_...}): their life cycle and the pause, cancel and reinstate actions. */
    MANDATE("mandate", ObjectKind.MANDATE, "direct:mono-mandates", false, List.of(
            "events.mandates.created", "events.mandates.approved", "events.mandates.rejected", "events.mandates.ready",
            "events.mandates.expired", "events.mandate.action.pause", "events.mandate.action.cancel",
            "events.mandate.action.reinstate"), List.of()),
    /** Connect accounts: linked, updated, re-authorised, unlinked, failing to sync. */
    ACCOUNT("account", ObjectKind.ACCOUNT, "direct:mono-accounts", false, List.of(
            "mono.events.account_connected", "mono.events.account_updated", "mono.events.account_reauthorized",
            "mono.events.reauthorisation_required", "mono.events.account_unlinked", "mono.events.sync_failed"), List.of());

    /** What an event is about; its id is the object key that keeps one object's events in order. */
    public enum ObjectKind { PAYMENT, MANDATE, ACCOUNT }

    /** Account events the gateway stores but does not apply (Mono's data products). */
    public static final List<String> NOT_APPLIED = List.of("mono.accounts.jobs.update", "mono.events.account_income",
            "mono.events.account_credit_worthiness");

    /** Account events after which the account's details are read from Mono's API (it was linked, or linked again). */
    public static final Set<String> ACCOUNT_LINKED = Set.of("mono.events.account_connected", "mono.events.account_reauthorized");

    /** Value of the {@code MonoFamily} header, what the router's {@code choice} compares. */
    public final String header;
    public final ObjectKind objectKind;
    /** The route the router sends the family's events to. */
    public final String handler;
    /** Whether Mono's API is asked to confirm the family's events (mono.verify.payments). */
    public final boolean verifiedByMonoApi;
    private final List<String> types;
    private final List<String> prefixes;

    MonoFamily(String header, ObjectKind objectKind, String handler, boolean verifiedByMonoApi, List<String> types,
            List<String> prefixes) {
        this.header = header;
        this.objectKind = objectKind;
        this.handler = handler;
        this.verifiedByMonoApi = verifiedByMonoApi;
        this.types = types;
        this.prefixes = prefixes;
    }

    /** The family of an event type, or null: stored, not applied. */
    public static MonoFamily of(String type) {
        if (type == null) {
            return null;
        }
        for (MonoFamily family : values()) {
            if (family.types.contains(type) || family.prefixes.stream().anyMatch(type::startsWith)) {
                return family;
            }
        }
        return null;
    }

    /** The kind of object an event is about, for applied and stored-only types alike; null for other products. */
    public static ObjectKind objectKind(String type) {
        MonoFamily family = of(type);
        if (family != null) {
            return family.objectKind;
        }
        if (type == null) {
            return null;
        }
        if (type.startsWith("mono.events.") || type.startsWith("mono.accounts.")) {
            return ObjectKind.ACCOUNT;
        }
        if (type.startsWith("events.mandates.") || type.startsWith("events.mandate.action.")) {
            return ObjectKind.MANDATE;
        }
        return null;
    }

    /** The full type of a payment event of the given status: {@code direct_debit.payment_<status>}. */
    public static String paymentType(String status) {
        return PAYMENT.prefixes.get(0) + status;
    }

    /** The status a payment or debit event's type carries ({@code successful} for {@code ..._successful}), or null. */
    public String statusInType(String type) {
        return prefixes.stream().filter(p -> type != null && type.startsWith(p)).findFirst()
                .map(p -> type.substring(p.length())).filter(s -> !s.isEmpty()).orElse(null);
    }

    /**
     * Mono's event catalog (docs.mono.co) as far as the gateway knows it: the types each family lists, the statuses
     * of the families named by a prefix, and the stored-only account events.
     */
    public static Set<String> catalog() {
        Set<String> catalog = new LinkedHashSet<>();
        for (MonoFamily family : values()) {
            catalog.addAll(family.types);
        }
        Arrays.asList("successful", "failed", "cancelled", "abandoned").forEach(s -> catalog.add(paymentType(s)));
        Arrays.asList("processing", "successful", "failed").forEach(s -> catalog.add(MANDATE_DEBIT.prefixes.get(0) + s));
        catalog.addAll(NOT_APPLIED);
        return catalog;
    }
}
