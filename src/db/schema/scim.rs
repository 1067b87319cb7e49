//! SCIM provisioning (migration 000026): tokens, the directory's users and
//! groups, and who is in which group.

diesel::table! {
    scim_tokens (id) {
        id -> Text,
        org_id -> Text,
        name -> Text,
        token_hash -> Text,
        created_by -> Nullable<Text>,
        creator_name -> Text,
        created_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    scim_users (id) {
        id -> Text,
        org_id -> Text,
        user_id -> Text,
        external_id -> Nullable<Text>,
        user_name -> Text,
        user_name_key -> Text,
        display_name -> Text,
        given_name -> Text,
        family_name -> Text,
        email -> Text,
        email_key -> Text,
        email_type -> Text,
        email_primary -> Nullable<Bool>,
        employee_number -> Text,
        department -> Text,
        active -> Bool,
        active_sent -> Bool,
        suspended_role -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scim_groups (id) {
        id -> Text,
        org_id -> Text,
        display_name -> Text,
        display_key -> Text,
        external_id -> Nullable<Text>,
        role -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scim_group_members (group_id, scim_user_id) {
        group_id -> Text,
        scim_user_id -> Text,
    }
}
