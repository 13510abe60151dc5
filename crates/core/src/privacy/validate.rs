//! What makes privacy facts acceptable: the keys a JSON file may have, and
//! every required field, each problem naming its field.

use super::{PrivacyFacts, RECIPIENT_KINDS};
use crate::error::{Error, Result};
use serde_json::Value;

const KEYS: [&str; 17] = [
    "site",
    "controller",
    "dpo_contact",
    "purposes",
    "categories",
    "recipients",
    "retention",
    "sources",
    "transfers",
    "automated_decisions",
    "rights",
    "complaint",
    "derived",
    "prepared_by",
    "sign_with_staff_name",
    "updated_at",
    "updated_by",
];

impl PrivacyFacts {
    /// Parse facts given as JSON (`desk privacy set --from FILE.json`):
    /// every problem at once, unknown keys named. `updated_at`/`updated_by`
    /// are accepted (a round trip of `privacy show --json`) and ignored.
    pub fn from_json(text: &str) -> Result<PrivacyFacts> {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            Error::Invalid(format!(
                "the privacy facts were not saved: not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ))
        })?;
        let Some(obj) = v.as_object() else {
            return Err(Error::Invalid(
                "the privacy facts were not saved: they must be a JSON object".into(),
            ));
        };
        let unknown: Vec<String> = obj
            .keys()
            .filter(|k| !KEYS.contains(&k.as_str()))
            .map(|k| format!("{k}: unknown field"))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Invalid(format!(
                "the privacy facts were not saved: {}",
                unknown.join("; ")
            )));
        }
        serde_json::from_value(v).map_err(|e| {
            Error::Invalid(format!(
                "the privacy facts were not saved: {}",
                e.to_string().replace(" at line 0 column 0", "")
            ))
        })
    }

    /// Every problem with these facts, each naming its field.
    pub fn problems(&self, site: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut need = |field: String, v: &str| {
            if v.trim().is_empty() {
                out.push(format!("{field}: required"));
            }
        };
        need("controller".into(), &self.controller);
        need("dpo_contact".into(), &self.dpo_contact);
        need("automated_decisions".into(), &self.automated_decisions);
        need("rights".into(), &self.rights);
        need("complaint".into(), &self.complaint);
        for (i, x) in self.purposes.iter().enumerate() {
            need(format!("purposes[{i}].purpose"), &x.purpose);
            need(format!("purposes[{i}].description"), &x.description);
            need(format!("purposes[{i}].lawful_basis"), &x.lawful_basis);
        }
        for (i, x) in self.categories.iter().enumerate() {
            need(format!("categories[{i}].category"), &x.category);
            need(format!("categories[{i}].description"), &x.description);
        }
        for (i, x) in self.recipients.iter().enumerate() {
            need(format!("recipients[{i}].name"), &x.name);
            need(format!("recipients[{i}].purpose"), &x.purpose);
        }
        for (i, x) in self.retention.iter().enumerate() {
            need(format!("retention[{i}].data"), &x.data);
            need(format!("retention[{i}].period"), &x.period);
        }
        for (i, x) in self.sources.iter().enumerate() {
            need(format!("sources[{i}].source"), &x.source);
            need(format!("sources[{i}].data"), &x.data);
        }
        for (i, x) in self.transfers.iter().enumerate() {
            need(format!("transfers[{i}].destination"), &x.destination);
            need(format!("transfers[{i}].safeguard"), &x.safeguard);
        }
        for (i, x) in self.derived.iter().enumerate() {
            need(format!("derived[{i}].field"), &x.field);
            need(format!("derived[{i}].name"), &x.name);
            need(format!("derived[{i}].description"), &x.description);
            for (j, y) in x.values.iter().enumerate() {
                need(format!("derived[{i}].values[{j}].value"), &y.value);
                need(format!("derived[{i}].values[{j}].meaning"), &y.meaning);
            }
        }
        for (i, x) in self.recipients.iter().enumerate() {
            if !RECIPIENT_KINDS.contains(&x.kind.as_str()) {
                out.push(format!(
                    "recipients[{i}].kind: must be one of {}",
                    RECIPIENT_KINDS.join(", ")
                ));
            }
        }
        for (field, empty) in [
            ("purposes", self.purposes.is_empty()),
            ("categories", self.categories.is_empty()),
            ("recipients", self.recipients.is_empty()),
            ("retention", self.retention.is_empty()),
        ] {
            if empty {
                out.push(format!("{field}: at least one is required"));
            }
        }
        if !self.site.is_empty() && self.site != site {
            out.push("site: names another site".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_all_named() {
        let mut f = PrivacyFacts::default_for("netmums");
        f.controller = " ".into();
        f.recipients[0].kind = "friend".into();
        f.purposes.clear();
        let p = f.problems("netmums");
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(PrivacyFacts::from_json(r#"{"controler": "x"}"#).is_err());
    }
}
