package com.monogateway.support;

import java.util.UUID;

/** Mono events built from the catalog of Mono's webhook docs, in each envelope variant. */
public final class MonoEvents {

    private MonoEvents() {
    }

    public static String newId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    /** v2 envelope: event, event_id, timestamp, data. */
    public static String v2(String type, String timestamp, String data) {
        return """
                {"event":"%s","event_id":"%s","timestamp":"%s","data":%s}""".formatted(type, newId("evt_"), timestamp, data);
    }

    /** v1 envelope: event and data only. */
    public static String v1(String type, String data) {
        return """
                {"event":"%s","data":%s}""".formatted(type, data);
    }

    /** Nested envelope, as seen for mandate events. */
    public static String nested(String type, String data) {
        return """
                {"data":{"event":"%s","event_id":"%s","data":%s},"app":"app_1","business":"biz_1"}"""
                .formatted(type, newId("evt_"), data);
    }

    public static String accountUpdatedData(String accountId, long balanceKobo, String currency) {
        return """
                {"account":{"_id":"%s","name":"ADAEZE OKAFOR","accountNumber":"0123456789","currency":"%s","balance":%d,
                 "type":"SAVINGS ACCOUNT","bvn":"1234","authMethod":"internet_banking",
                 "institution":{"name":"GTBank","bankCode":"058","type":"PERSONAL_BANKING"}},
                 "meta":{"data_status":"AVAILABLE","auth_method":"internet_banking","ref":"r1","sync_status":"SUCCESSFUL"}}"""
                .formatted(accountId, currency, balanceKobo);
    }

    /** A DirectPay payment object; {@code account} is raw JSON (a quoted id or an object). */
    public static String paymentData(String paymentId, String status, long amountKobo, String account, String updatedAt) {
        return """
                {"type":"onetime-debit","object":{"id":"%s","status":"%s","amount":%d,"description":"Wallet top-up","fee":300,
                 "currency":"NGN","account":%s,"customer":null,"reference":"ref_%s","liveMode":true,
                 "created_at":"2024-05-01T09:00:00.000Z","updated_at":"%s"}}"""
                .formatted(paymentId, status, amountKobo, account, paymentId, updatedAt);
    }

    public static String mandateData(String mandateId, String status, String date) {
        return """
                {"id":"%s","status":"%s","mandate_type":"emandate","debit_type":"variable","approved":true,
                 "reference":"mref_%s","account_name":"ADAEZE OKAFOR","account_number":"0123456789","bank":"GTBank",
                 "bank_code":"058","customer":"cus_1","description":"Loan repayment","live_mode":true,
                 "start_date":"2024-05-01T00:00:00.000Z","end_date":"2025-05-01T00:00:00.000Z","date":"%s","amount":5000000}"""
                .formatted(mandateId, status, mandateId, date);
    }

    public static String mandateActionData(String mandateId, String status, String date) {
        return """
                {"mandate":"%s","status":"%s","live_mode":true,"date":"%s"}""".formatted(mandateId, status, date);
    }

    public static String debitData(String mandateId, String reference, String status, String responseCode, String date) {
        return """
                {"status":"%s","message":"Debit %s","response_code":"%s","amount":250000,"fee":5000,"customer":"cus_1",
                 "mandate":"%s","reference_number":"%s","date":"%s","live_mode":true,
                 "account_details":{"bank_code":"058","account_name":"ADAEZE OKAFOR","account_number":"0123456789","bank_name":"GTBank"},
                 "beneficiary":{"bank_code":"044","account_name":"ACME LTD","account_number":"9876543210","bank_name":"Access"}}"""
                .formatted(status, status, responseCode, mandateId, reference, date);
    }
}
