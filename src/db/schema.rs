// Hand-written so that one schema serves both backends: ids are UUIDs stored
// as text, times are UTC timestamps.

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        email_verified -> Bool,
        name -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Timestamp,
    }
}

diesel::table! {
    identities (id) {
        id -> Text,
        user_id -> Text,
        provider -> Text,
        subject -> Text,
        email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organizations (id) {
        id -> Text,
        name -> Text,
        slug -> Text,
        owner_id -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    memberships (org_id, user_id) {
        org_id -> Text,
        user_id -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    activity (id) {
        id -> Text,
        org_id -> Nullable<Text>,
        actor_id -> Nullable<Text>,
        action -> Text,
        target -> Text,
        details -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::joinable!(identities -> users (user_id));
diesel::joinable!(memberships -> organizations (org_id));
diesel::joinable!(memberships -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(users, identities, organizations, memberships, activity);
