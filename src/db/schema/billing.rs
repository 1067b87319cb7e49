//! Billing: who the organization pays for, its billing details, payment
//! methods, the provider's events and invoices.

diesel::table! {
    billed_members (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        since -> Timestamp,
        until -> Nullable<Timestamp>,
        added_by -> Text,
        ended_by -> Text,
    }
}

diesel::table! {
    billing_details (org_id) {
        org_id -> Text,
        contact_name -> Text,
        contact_email -> Text,
        legal_name -> Text,
        address_line1 -> Text,
        address_line2 -> Text,
        city -> Text,
        postal_code -> Text,
        country -> Text,
        tax_id -> Text,
        updated_at -> Timestamp,
        provider_customer_id -> Nullable<Text>,
    }
}

diesel::table! {
    payment_methods (provider_id) {
        provider_id -> Text,
        org_id -> Text,
        brand -> Text,
        last4 -> Text,
        exp_month -> Integer,
        exp_year -> Integer,
        is_default -> Bool,
        added_at -> Timestamp,
    }
}

diesel::table! {
    provider_events (id) {
        id -> Text,
        kind -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    invoices (id) {
        id -> Text,
        customer_id -> Text,
        number -> Text,
        issued_on -> Date,
        period_start -> Date,
        period_end -> Date,
        amount_minor -> BigInt,
        currency -> Text,
        status -> Text,
        due_on -> Date,
        pdf_url -> Nullable<Text>,
        notified_at -> Nullable<Timestamp>,
        overdue_notified_at -> Nullable<Timestamp>,
    }
}
