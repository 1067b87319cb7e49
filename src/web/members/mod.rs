//! Members of an organization: the Members page, inviting, editing and
//! removing members, pending invitations, the emailed link, the Roles page.

pub mod edit;
pub mod invitation_link;
pub mod invite;
pub mod page;
pub mod pending;
pub mod roles;
pub mod waiting;
