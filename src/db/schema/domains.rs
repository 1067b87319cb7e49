//! Verified domains and the join requests they allow (migration 000023).

diesel::table! {
    org_domains (id) {
        id -> Text,
        org_id -> Text,
        domain -> Text,
        challenge -> Text,
        verified_at -> Nullable<Timestamp>,
        checked_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        join_policy -> Text,
        join_role -> Text,
        created_by -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    join_requests (org_id, user_id) {
        org_id -> Text,
        user_id -> Text,
        email -> Text,
        domain -> Text,
        created_at -> Timestamp,
    }
}
