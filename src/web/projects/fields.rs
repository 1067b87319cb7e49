//! The fields of the project form (templates/projects/fields.html): what was
//! typed, its errors, and the parsing shared by New Project, the + menu's
//! form and the project's settings.

use serde::Deserialize;

use crate::domain::{project, ProjectName, Slug};

#[derive(Deserialize, Default)]
pub struct ProjectForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub description: String,
}

impl crate::web::input::FormFields for ProjectForm {
    const TYPED: &'static [&'static str] = &["name", "slug", "description"];
}

/// The form as shown: the values and the message next to each field.
#[derive(Default)]
pub struct Fields {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub name_error: Option<String>,
    pub slug_error: Option<String>,
    pub description_error: Option<String>,
}

/// A form that parsed: the URL name is None when it was left empty.
pub struct Parsed {
    pub name: ProjectName,
    pub slug: Option<Slug>,
    pub description: String,
}

impl Fields {
    pub fn typed(form: &ProjectForm) -> Self {
        Self {
            name: form.name.clone(),
            slug: form.slug.clone(),
            description: form.description.clone(),
            ..Self::default()
        }
    }

    /// Parses what was typed; each error goes next to its field. With
    /// `slug_required` false an empty URL name is allowed (derived later).
    pub fn parse(&mut self, noun: &str, slug_required: bool) -> Option<Parsed> {
        let name = ProjectName::parse(&self.name, noun).map_err(|e| self.name_error = Some(e)).ok();
        let description =
            project::parse_description(&self.description).map_err(|e| self.description_error = Some(e)).ok();
        let slug = if self.slug.trim().is_empty() && !slug_required {
            Some(None)
        } else {
            Slug::parse(&self.slug).map(Some).map_err(|e| self.slug_error = Some(e)).ok()
        };
        Some(Parsed { name: name?, slug: slug?, description: description? })
    }
}
