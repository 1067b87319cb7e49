//! The route table as the source declares it (`src/web/routes.rs`, the
//! scopes it opens and the `#[get]`/`#[post]` handlers it installs, whose
//! paths are relative to their scope), and a world of real rows to fill each
//! route's path parameters with.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: &'static str,
    pub pattern: String,
}

/// Every route the portal declares. A handler the table installs gets each
/// prefix of the function that installs it (`all` has none; a function a
/// `web::scope("P").configure(f)` line calls has its caller's prefixes plus
/// P); a handler the table does not name (the API's and SCIM's, installed by
/// their own modules) keeps its attribute's path.
pub fn route_table() -> Vec<Route> {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
    let mut files = Vec::new();
    collect_sources(&web, &mut files);
    // "members::page::list" -> (method, path as written on the handler)
    let mut handlers: BTreeMap<String, (&'static str, String)> = BTreeMap::new();
    for file in &files {
        let module = file.strip_prefix(&web).unwrap().with_extension("");
        let module = module.to_str().unwrap().trim_end_matches("/mod").replace('/', "::");
        let text = std::fs::read_to_string(file).unwrap();
        for (method, marker) in [("GET", "\n#[get(\""), ("POST", "\n#[post(\"")] {
            for (at, _) in text.match_indices(marker) {
                let rest = &text[at + marker.len()..];
                let path = rest[..rest.find('"').unwrap()].to_string();
                let after_fn = &rest[rest.find("fn ").expect("a handler after its attribute") + 3..];
                let name = &after_fn[..after_fn.find(|c: char| !c.is_alphanumeric() && c != '_').unwrap()];
                handlers.insert(format!("{module}::{name}"), (method, path));
            }
        }
    }
    let table = std::fs::read_to_string(web.join("routes.rs")).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    // Each line with the function it is in.
    let mut in_fn = Vec::new();
    let mut current = String::new();
    for line in &lines {
        if let Some(rest) = line.strip_prefix("pub fn ").or_else(|| line.strip_prefix("fn ")) {
            current = rest[..rest.find('(').unwrap()].to_string();
        }
        in_fn.push(current.clone());
    }
    let quoted = |l: &str, after: &str| l.split(after).nth(1).map(|r| r[..r.find('"').unwrap()].to_string());
    let mut prefixes: BTreeMap<String, BTreeSet<String>> =
        BTreeMap::from([("all".to_string(), BTreeSet::from([String::new()]))]);
    loop {
        let mut grew = false;
        for (i, line) in lines.iter().enumerate() {
            let (Some(scope), Some(rest)) = (quoted(line, "web::scope(\""), line.split(".configure(").nth(1)) else {
                continue;
            };
            let callee = rest[..rest.find(')').unwrap()].to_string();
            for outer in prefixes.get(&in_fn[i]).cloned().unwrap_or_default() {
                grew |= prefixes.entry(callee.clone()).or_default().insert(format!("{outer}{scope}"));
            }
        }
        if !grew {
            break;
        }
    }
    let method = |l: &str| if l.contains("web::post()") { "POST" } else { "GET" };
    let mut routes = BTreeSet::new();
    let mut installed = BTreeSet::new();
    for (i, line) in lines.iter().enumerate() {
        let here = prefixes.get(&in_fn[i]).cloned().unwrap_or_default();
        let mut add = |method: &'static str, path: &str| {
            for prefix in &here {
                routes.insert(Route { method, pattern: format!("{prefix}{path}") });
            }
        };
        if let Some(rest) = line.split("service(super::").nth(1) {
            let name = &rest[..rest.find(')').unwrap()];
            let (m, path) = handlers.get(name).unwrap_or_else(|| panic!("routes.rs installs {name}: no handler found"));
            add(m, path);
            installed.insert(name.to_string());
        } else if let Some(path) = quoted(line, ".route(\"") {
            add(method(line), &path);
        } else if let Some(path) = quoted(line, "web::resource(\"") {
            let route = lines[i..].iter().take(4).find(|l| l.contains(".route(")).expect("a resource's route");
            add(method(route), &path);
        }
    }
    for (name, (m, path)) in handlers {
        if !installed.contains(&name) {
            routes.insert(Route { method: m, pattern: path });
        }
    }
    routes.into_iter().collect()
}

fn collect_sources(dir: &Path, out: &mut Vec<PathBuf>) {
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
