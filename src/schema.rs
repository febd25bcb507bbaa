//! JSON Schemas of certhelp's machine-readable output, generated from the
//! Rust types that are serialised (schemars): `probe --json` ([`Env`]),
//! `doctor --json` (a list of [`Check`]) and `plan --format json` ([`Plan`]).
//!
//! The published copies live in `schemas/` at the top of the repository;
//! the `schemas` integration test fails when they differ from what this
//! module generates (`UPDATE_SCHEMAS=1` rewrites them) and validates real
//! output against them. This module only describes types: it must not
//! build output of its own, or the schema could drift from what is printed.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};

use crate::apps::{self, App};
use crate::doctor::Check;
use crate::env::{Env, SCHEMA_VERSION};
use crate::plan::Plan;

/// The published schemas: file stem (`schemas/NAME.schema.json`) and what
/// it describes.
pub const NAMES: &[(&str, &str)] = &[
    ("probe", "certhelp probe --json"),
    ("doctor", "certhelp doctor --json"),
    ("plan", "certhelp plan --format json"),
];

/// `App` is serialised by hand as its SPEC id (apps.rs), so its schema is
/// written by hand too, from the same registry.
impl JsonSchema for App {
    fn schema_name() -> Cow<'static, str> {
        "App".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Planner app id (SPEC §3 and the apps beyond it).",
            "type": "string",
            "enum": apps::ids(),
        })
    }
}

/// The schema of one output, as pretty JSON with a final newline (the form
/// the files in `schemas/` have). `None` for an unknown name.
pub fn generate(name: &str) -> Option<String> {
    // The serialize contract: a field is required when certhelp always
    // writes it (even if `#[serde(default)]` lets a reader leave it out).
    let generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    let (title, mut schema) = match name {
        "probe" => ("certhelp probe --json", generator.into_root_schema_for::<Env>()),
        "doctor" => ("certhelp doctor --json", generator.into_root_schema_for::<Vec<Check>>()),
        "plan" => ("certhelp plan --format json", generator.into_root_schema_for::<Plan>()),
        _ => return None,
    };
    schema.insert("title".into(), title.into());
    let mut value = schema.to_value();
    // Defaults describe what a reader fills in, and `OsInfo`'s would name
    // the OS the schema was generated on: the files carry none.
    strip_defaults(&mut value);
    if name == "probe" {
        // The version a reader checks before anything else.
        value["properties"]["schema"] = serde_json::json!({
            "description": "Version of this format: fields are added within a version, never renamed or removed.",
            "const": SCHEMA_VERSION,
        });
    }
    let mut s = serde_json::to_string_pretty(&value).ok()?;
    s.push('\n');
    Some(s)
}

/// Removes the `default` keyword everywhere in a schema, but not a property
/// that happens to be called `default` (a store's `default` flag).
fn strip_defaults(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("default");
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("properties" | "$defs", serde_json::Value::Object(named)) => {
                        named.values_mut().for_each(strip_defaults)
                    }
                    (_, child) => strip_defaults(child),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_defaults),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_generates_a_draft_2020_12_schema() {
        for (name, _) in NAMES {
            let s = generate(name).unwrap();
            let v: serde_json::Value = serde_json::from_str(&s).unwrap();
            assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema", "{name}");
        }
        assert!(generate("nope").is_none());
    }

    #[test]
    fn defaults_go_but_a_property_named_default_stays() {
        let v: serde_json::Value = serde_json::from_str(&generate("probe").unwrap()).unwrap();
        assert!(v["properties"]["os"].get("default").is_none(), "{}", v["properties"]["os"]);
        assert_eq!(v["$defs"]["Store"]["properties"]["default"]["type"], "boolean");
        assert_eq!(v["properties"]["schema"]["const"], SCHEMA_VERSION);
    }

    #[test]
    fn apps_are_an_enum_of_their_ids() {
        let v: serde_json::Value = serde_json::from_str(&generate("plan").unwrap()).unwrap();
        let ids = v["$defs"]["App"]["enum"].as_array().unwrap();
        assert!(ids.iter().any(|i| i == "firefox"));
    }
}
