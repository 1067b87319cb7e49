//! What the service provider says of itself (RFC 7643 sections 5 to 7):
//! ServiceProviderConfig, the User and Group ResourceTypes and the Schemas
//! of exactly the attributes orgportal keeps, so that a directory (or a
//! conformance tester) that reads them sends nothing that would be lost.

use serde_json::{json, Value};

use super::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, MAX_PAGE, USER_SCHEMA};

/// `base`: the organization's SCIM root, without a trailing slash.
pub fn service_provider_config(base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_PAGE},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "SCIM token",
            "description": "A token made on Organization → Single sign-on → Provisioning, sent as Authorization: Bearer.",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "primary": true,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": format!("{base}/ServiceProviderConfig")},
    })
}

pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User", "name": "User", "endpoint": "/Users",
            "description": "A member of the organization, as the directory sees them",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group", "name": "Group", "endpoint": "/Groups",
            "description": "A group of the directory; the Provisioning page maps it to a role",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

struct Attr {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    case_exact: bool,
    mutability: &'static str,
    uniqueness: &'static str,
    subs: Vec<Attr>,
    references: &'static [&'static str],
    description: &'static str,
}

fn attr(name: &'static str, description: &'static str) -> Attr {
    Attr {
        name,
        kind: "string",
        multi: false,
        required: false,
        case_exact: false,
        mutability: "readWrite",
        uniqueness: "none",
        subs: Vec::new(),
        references: &[],
        description,
    }
}

impl Attr {
    fn json(&self) -> Value {
        let mut a = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": "default",
            "uniqueness": self.uniqueness,
        });
        if !self.subs.is_empty() {
            a["subAttributes"] = self.subs.iter().map(Attr::json).collect();
        }
        if !self.references.is_empty() {
            a["referenceTypes"] = json!(self.references);
        }
        a
    }
}

fn schema(base: &str, id: &str, name: &str, description: &str, attrs: Vec<Attr>) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": id,
        "name": name,
        "description": description,
        "attributes": attrs.iter().map(Attr::json).collect::<Vec<_>>(),
        "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
    })
}

pub fn schemas(base: &str) -> Vec<Value> {
    let user = vec![
        Attr {
            required: true,
            uniqueness: "server",
            ..attr("userName", "Unique in the organization; often the address")
        },
        Attr {
            kind: "complex",
            subs: vec![attr("givenName", "Given name"), attr("familyName", "Family name")],
            ..attr("name", "The person's name")
        },
        attr("displayName", "The name shown in the portal"),
        Attr {
            kind: "complex",
            multi: true,
            subs: vec![
                attr("value", "The address"),
                attr("type", "work, home or other, as the directory says"),
                Attr { kind: "boolean", ..attr("primary", "The address the portal uses") },
            ],
            ..attr("emails", "The address the portal writes to (the first or primary one is kept)")
        },
        Attr { kind: "boolean", ..attr("active", "false suspends the membership; true restores it") },
    ];
    let group = vec![
        Attr { required: true, uniqueness: "server", ..attr("displayName", "Unique in the organization") },
        Attr {
            kind: "complex",
            multi: true,
            subs: vec![
                Attr { mutability: "immutable", case_exact: true, ..attr("value", "The id of a User") },
                Attr {
                    kind: "reference",
                    mutability: "immutable",
                    references: &["User"],
                    ..attr("$ref", "The User's location")
                },
            ],
            ..attr("members", "The people in the group")
        },
    ];
    let enterprise = vec![attr("employeeNumber", "Employee number"), attr("department", "Department")];
    vec![
        schema(base, USER_SCHEMA, "User", "A member of the organization", user),
        schema(base, GROUP_SCHEMA, "Group", "A group of the directory", group),
        schema(
            base,
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            "What orgportal keeps of the enterprise extension",
            enterprise,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_describe_what_is_kept() {
        let spc = service_provider_config("https://p/scim/v2/orgs/acme");
        assert_eq!(spc["bulk"]["supported"], false);
        assert_eq!(spc["etag"]["supported"], true);
        let s = schemas("b");
        assert_eq!(s.len(), 3);
        assert_eq!(s[0]["attributes"][0]["name"], "userName");
        assert_eq!(resource_types("b")[0]["schemaExtensions"][0]["schema"], ENTERPRISE_SCHEMA);
    }
}
