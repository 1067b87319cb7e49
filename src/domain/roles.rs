/// The role given to whoever creates an organization. The full role catalog
/// (roles as named permission sets) replaces this constant when members and
/// invitations arrive.
pub const ADMIN_ROLE: &str = "Admin";
