//! The route table as the source declares it (`#[get]`/`#[post]` handlers
//! and the routes `src/startup.rs` adds by hand), and a world of real rows to
//! fill each route's path parameters with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: &'static str,
    pub pattern: String,
}

/// Every route the portal declares: the handlers' attributes and the routes
/// `src/startup.rs` adds by hand.
pub fn route_table() -> Vec<Route> {
    let mut routes = BTreeSet::new();
    let mut files = Vec::new();
    collect_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (method, marker) in [("GET", "#[get(\""), ("POST", "#[post(\"")] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                routes.insert(Route { method, pattern: rest[..rest.find('"').unwrap()].to_string() });
            }
        }
        if !file.ends_with("startup.rs") {
            continue;
        }
        let bases: Vec<String> = text
            .lines()
            .filter(|l| l.trim_start().starts_with("for base in ["))
            .flat_map(|l| l.split('"').skip(1).step_by(2).map(str::to_string).collect::<Vec<_>>())
            .collect();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let method = |l: &str| if l.contains("web::post()") { "POST" } else { "GET" };
            if let Some(rest) = line.split("&format!(\"{base}").nth(1) {
                let suffix = rest[..rest.find('"').unwrap()].replace("{{", "{").replace("}}", "}");
                for base in &bases {
                    routes.insert(Route { method: method(line), pattern: format!("{base}{suffix}") });
                }
            } else if let Some(rest) = line.split("web::resource(\"").nth(1) {
                let path = &rest[..rest.find('"').unwrap()];
                let route = lines[i..].iter().take(4).find(|l| l.contains(".route(")).expect("a resource's route");
                routes.insert(Route { method: method(route), pattern: path.to_string() });
            }
        }
    }
    routes.into_iter().collect()
}

fn collect_sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// What the fuzz needs to fill each path parameter.
pub struct World {
    pub values: BTreeMap<&'static str, String>,
}

impl World {
    fn value(&self, route: &str, param: &str) -> String {
        let key = match param {
            "id" if route.contains("/sso/provisioning/tokens/") => "scim_token",
            "id" if route.contains("/sso/provisioning/groups/") => "scim_group",
            "id" if route.contains("/services/") => "service",
            "id" if route.contains("/api-keys/") => "api_key",
            "id" if route.contains("/webhooks/") => "webhook",
            "id" if route.contains("/domains/") => "domain",
            "delivery" => "webhook_delivery",
            "id" if route.contains("/payment-methods/") => "payment_method",
            "id" if route.contains("/tickets/") => "ticket",
            "id" if route.contains("/sessions/") => "session",
            "id" if route.contains("/team/invitations/") => "project_invitation",
            "id" if route.contains("/invitations/") => "invitation",
            "id" if route.contains("/tokens/") => "project_token",
            "token" if route.starts_with("/project-invitations/") => "project_invitation_token",
            "project" if route.starts_with("/orgs/") => "project",
            "project" => "personal_project",
            other => match other {
                "slug" => "slug",
                "user_id" => "user_id",
                "project_id" => "project_id",
                "provider" => "provider",
                "token" => "invitation_token",
                _ => panic!("the fuzz does not know the path parameter {{{other}}} of {route}: add it to World"),
            },
        };
        self.values[key].clone()
    }

    /// The route's path with its parameters filled, one of them (by name) hostile.
    pub fn fill(&self, pattern: &str, hostile: Option<(&str, &str)>) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').unwrap();
            let name = &rest[open + 1..close];
            match hostile {
                Some((h, value)) if h == name => out.push_str(value),
                _ => out.push_str(&self.value(pattern, name)),
            }
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }
}

pub fn params_of(pattern: &str) -> Vec<String> {
    pattern.split('{').skip(1).map(|p| p[..p.find('}').unwrap()].to_string()).collect()
}
