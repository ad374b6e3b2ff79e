//! `components.schemas` of `docs/openapi.yaml`, produced from these serde types (tests only).
//!
//! The wire types derive `schemars::JsonSchema` under `cfg(test)`, so neither the Worker nor the
//! wasm apps compile schemars. [`generated_schemas_are_the_documented_ones`] renders the JSON
//! Schema (2020-12, the dialect of OpenAPI 3.1) of every type in [`schemas`] as YAML and
//! compares it with the block between the two markers in `docs/openapi.yaml`; a change to a
//! wire type fails it, naming the schemas that differ, until the file is regenerated with
//! `SEALPOST_BLESS=1 cargo test -p sealpost-shared openapi`. Schemas outside the block (bodies
//! the Worker builds without a shared type) are written by hand; `tests/e2e/openapi.test.mjs`
//! checks every route names a schema and `tests/e2e/openapi_responses.test.mjs` checks real
//! responses against them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{generate::SchemaSettings, json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::Value;

use crate::history::AuditEvent;
use crate::recipients::{EmailAddress, RecipientRef};
use crate::tenancy::PracticeId;

const BEGIN: &str = "    # BEGIN schemas generated from shared/ (SEALPOST_BLESS=1 cargo test -p sealpost-shared openapi)";
const END: &str = "    # END schemas generated from shared/";

/// Every body the API sends or accepts that has a shared type; what they refer to comes along.
/// A new wire type goes here (and derives `JsonSchema` under `cfg(test)`).
fn schemas() -> BTreeMap<String, Value> {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = Cow::Borrowed("/components/schemas");
    });
    let mut generator = SchemaGenerator::new(settings);
    macro_rules! roots {
        ($($ty:ty),* $(,)?) => { $( let _ = generator.subschema_for::<$ty>(); )* };
    }
    use crate::{history, operator, origin_settings, page, staff, webhook, webhook_settings, wire};
    roots!(
        // Clinic API
        wire::PatientUpsert,
        wire::Patient,
        wire::PatientSummary,
        wire::PatientFile,
        wire::ContactUpsert,
        wire::ContactEntry,
        wire::ExternalDocument,
        wire::ConsultationNote,
        wire::Document,
        wire::StaffDocument,
        wire::ShareRequest,
        wire::ShareResponse,
        wire::UnshareRequest,
        wire::PracticeSettings,
        wire::LinkEntry,
        history::AuditEntry,
        history::ShareEntry,
        origin_settings::OriginSettings,
        origin_settings::OriginUpdate,
        staff::StaffIdentity,
        staff::StaffList,
        staff::StaffUpsert,
        staff::ApiKeyList,
        staff::NewApiKey,
        staff::CreatedApiKey,
        staff::StaffPractices,
        // The clinic API's lists, a page at a time
        page::Page<wire::PatientSummary>,
        page::Page<wire::ContactEntry>,
        page::Page<wire::StaffDocument>,
        page::Page<history::ShareEntry>,
        page::Page<history::AuditEntry>,
        page::Page<wire::LinkEntry>,
        // Portal API
        wire::OpenLinkRequest,
        wire::OpenLinkResponse,
        wire::BirthdayVerifyRequest,
        wire::SmsVerifyRequest,
        wire::SmsSent,
        wire::VerifiedResponse,
        wire::DocumentList,
        wire::SharedNote,
        // Operator API
        operator::NewPractice,
        operator::CreatedPractice,
        operator::PracticeList,
        operator::PracticeSummary,
        // The practice's webhook: its setting, its delivery log, and what it delivers
        webhook_settings::WebhookSettings,
        webhook_settings::WebhookUpdate,
        webhook_settings::WebhookSaved,
        webhook_settings::DeliveryLog,
        webhook::EventType,
        webhook::Payload,
        // Errors
        wire::ApiError,
    );
    generator
        .take_definitions(true)
        .into_iter()
        .collect::<BTreeMap<_, _>>()
}

// ------------------------------------------------- types whose serde is written by hand

/// Every opaque id (`crate::ids`): one schema, `Id`.
pub(crate) fn id_schema() -> Schema {
    json_schema!({
        "type": "string",
        "pattern": "^[A-Za-z0-9_-]{1,64}$",
        "description": "An opaque id: 1 to 64 characters of A-Z, a-z, 0-9, '_' and '-'"
    })
}

impl JsonSchema for PracticeId {
    fn schema_name() -> Cow<'static, str> {
        "PracticeId".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9-]{1,31}$",
            "description": "2 to 32 characters of a-z, 0-9 and '-' (no '_' or '.', so it can prefix keys and cookies)",
            "examples": ["riverside"]
        })
    }
}

impl JsonSchema for EmailAddress {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        "EmailAddress".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "email" })
    }
}

impl JsonSchema for RecipientRef {
    fn schema_name() -> Cow<'static, str> {
        "RecipientRef".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let id = generator.subschema_for::<crate::ids::ContactId>();
        let with_id = |kind: &str, description: &str| {
            json_schema!({
                "type": "object",
                "description": description,
                "required": ["type", "id"],
                "additionalProperties": false,
                "properties": { "type": { "const": kind }, "id": id.clone() }
            })
        };
        json_schema!({
            "description": "A recipient, chosen by id. No variant carries an address; any other field or type is refused.",
            "oneOf": [
                {
                    "type": "object",
                    "description": "The patient whose documents are shared.",
                    "required": ["type"],
                    "additionalProperties": false,
                    "properties": { "type": { "const": "patient" } }
                },
                with_id("relationship", "Someone on the patient's relationships/emergency-contact list."),
                with_id("practice_contact", "A contact of the practice (another clinic, a specialist…).")
            ]
        })
    }
}

impl JsonSchema for AuditEvent {
    fn schema_name() -> Cow<'static, str> {
        "AuditEvent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let known: Vec<&str> = AuditEvent::KNOWN.iter().map(AuditEvent::as_str).collect();
        json_schema!({
            "description": "What happened. The Worker writes only the names listed; an audit row written by another version may carry a name this one does not know, so clients must accept any string.",
            "anyOf": [
                { "type": "string", "enum": known },
                { "type": "string" }
            ]
        })
    }
}

// ------------------------------------------------- YAML rendering (block style, stable)

fn plain(text: &str) -> bool {
    let reserved = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~",
    ];
    !text.is_empty()
        && !reserved.contains(&text.to_ascii_lowercase().as_str())
        && text
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./$".contains(c))
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) if plain(s) => s.clone(),
        other => other.to_string(),
    }
}

fn key(text: &str) -> String {
    if plain(text) {
        text.to_owned()
    } else {
        Value::String(text.to_owned()).to_string()
    }
}

/// Scalars and arrays of scalars fit on one line.
fn inline(value: &Value) -> Option<String> {
    match value {
        Value::Object(map) if map.is_empty() => Some("{}".into()),
        Value::Object(_) => None,
        Value::Array(items) if items.iter().all(|v| !v.is_object() && !v.is_array()) => {
            Some(format!(
                "[{}]",
                items.iter().map(scalar).collect::<Vec<_>>().join(", ")
            ))
        }
        Value::Array(_) => None,
        other => Some(scalar(other)),
    }
}

fn render(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match inline(v) {
                    Some(line) => out.push_str(&format!("{pad}{}: {line}\n", key(k))),
                    None => {
                        out.push_str(&format!("{pad}{}:\n", key(k)));
                        render(v, indent + 2, out);
                    }
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                match inline(item) {
                    Some(line) => out.push_str(&format!("{pad}- {line}\n")),
                    None => {
                        let mut inner = String::new();
                        render(item, indent + 2, &mut inner);
                        out.push_str(&format!("{pad}- {}", inner.trim_start()));
                    }
                }
            }
        }
        other => out.push_str(&format!("{pad}{}\n", scalar(other))),
    }
}

/// The generated block, markers included.
fn block() -> String {
    let mut out = format!("{BEGIN}\n");
    for (name, schema) in schemas() {
        out.push_str(&format!("    {}:\n", key(&name)));
        render(&schema, 6, &mut out);
    }
    out.push_str(END);
    out.push('\n');
    out
}

/// The top-level schemas of a block, by name, each with its text.
fn by_schema(block: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current = String::new();
    for line in block.lines() {
        if line.starts_with("    ") && !line.starts_with("     ") && !line.starts_with("    #") {
            current = line.trim().trim_end_matches(':').to_owned();
        }
        out.entry(current.clone())
            .or_default()
            .push_str(&format!("{line}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml");

    #[test]
    fn generated_schemas_are_the_documented_ones() {
        let text = std::fs::read_to_string(FILE).unwrap();
        let from = text
            .find(BEGIN)
            .expect("docs/openapi.yaml: the BEGIN marker under components.schemas");
        let to = text.find(END).expect("docs/openapi.yaml: the END marker") + END.len() + 1;
        let documented = &text[from..to];
        let generated = block();
        if std::env::var("SEALPOST_BLESS").is_ok_and(|v| v == "1") {
            let updated = format!("{}{generated}{}", &text[..from], &text[to..]);
            std::fs::write(FILE, updated).unwrap();
            return;
        }
        if documented == generated {
            return;
        }
        let (old, new) = (by_schema(documented), by_schema(&generated));
        let mut report = Vec::new();
        for name in old
            .keys()
            .chain(new.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            match (old.get(name), new.get(name)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => {
                    let line = a.lines().zip(b.lines()).find(|(x, y)| x != y);
                    report.push(format!("  {name} differs: documented {line:?}"));
                }
                (None, _) => report.push(format!("  {name}: generated, not in docs/openapi.yaml")),
                (_, None) => report.push(format!(
                    "  {name}: in docs/openapi.yaml, no shared type makes it"
                )),
            }
        }
        panic!(
            "docs/openapi.yaml's generated schemas are out of date with shared/'s serde types:\n{}\n\
             Regenerate with SEALPOST_BLESS=1 cargo test -p sealpost-shared openapi (and review the diff).",
            report.join("\n")
        );
    }

    /// Serde types of this crate that never cross the API (tokens, stored state, internal
    /// answers), or whose schema is written by hand above. Anything else that derives
    /// `Serialize` or `Deserialize` is a wire type and must have a schema in the document.
    const NOT_ON_THE_API: &[&str] = &[
        // Hand-written `JsonSchema` above (serde written by hand), and the id macro's `$name`.
        "EmailAddress",
        "RecipientRef",
        "RecipientRefWire",
        "AuditEvent",
        "UnrecognisedEvent",
        "PracticeId",
        "$name",
        // Tokens, stored state and decisions the edge keeps to itself.
        "Audience",
        "Jwks",
        "AccessClaims",
        "AttachmentRefused",
        "SectionsRefused",
        "RecipientAccess",
        "RenewalLog",
        "AttemptState",
        "SessionRecord",
        "SmsChallenge",
        "SendWait",
        "WireClaims",
        "ChallengeKind",
        "RecipientKind",
        "PatientContactView",
        "ContactView",
        // Sent as query parameters (documented with the upload route), not as a body.
        "DocumentUpload",
        // What the Worker hands a practice from SendGrid's Event Webhook, and SendGrid's own
        // event as read (documented with the route).
        "MailEvent",
        "Raw",
        // The provider's error body, read for its reason (`shared::mail_queue`).
        "Errors",
        "Message",
        // A note's section ids and titles as the practice stores them (the API sends
        // `StaffDocument.section_titles`).
        "SectionHeading",
        // A list cursor's inside: opaque to clients (`shared::page`).
        "List",
        "Wire",
    ];

    /// `(file, type, derives JsonSchema)` for every serde type outside test modules.
    fn serde_types() -> Vec<(String, String, bool)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut out = Vec::new();
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                let line = line.trim();
                if !(line.starts_with("#[derive(")
                    && (line.contains("Serialize") || line.contains("Deserialize")))
                {
                    continue;
                }
                let item = lines[i..]
                    .iter()
                    .map(|l| l.trim())
                    .find(|l| !l.starts_with("#[") && !l.starts_with("///"));
                let name = item
                    .and_then(|l| {
                        l.split_whitespace()
                            .skip_while(|w| !["struct", "enum"].contains(w))
                            .nth(1)
                    })
                    .map(|w| {
                        w.split(['(', '<', '{'])
                            .next()
                            .unwrap_or_default()
                            .to_owned()
                    })
                    .unwrap_or_default();
                let derives = i > 0 && lines[i - 1].contains("derive(schemars::JsonSchema)");
                let file = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((file, name, derives));
            }
        }
        out
    }

    #[test]
    fn every_wire_type_has_a_schema_in_the_document() {
        let generated = schemas();
        let mut problems = Vec::new();
        for (file, name, derives) in serde_types() {
            let exempt = NOT_ON_THE_API.contains(&name.as_str());
            if !derives && !exempt {
                problems.push(format!(
                    "shared/src/{file}: {name} is a serde type without a schema: add \
                     #[cfg_attr(test, derive(schemars::JsonSchema))] and list it in openapi.rs's \
                     schemas() (or in NOT_ON_THE_API if it never crosses the API)"
                ));
            }
            // A generic type is named after what it holds (`Page<T>` is `{T}Page`).
            let reached = generated.contains_key(&name)
                || generated
                    .keys()
                    .any(|k| k.len() > name.len() && k.ends_with(&name));
            if derives && !reached {
                problems.push(format!(
                    "shared/src/{file}: {name} derives JsonSchema but no route's schema reaches it: \
                     list it in openapi.rs's schemas()"
                ));
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn rendered_yaml_quotes_what_yaml_would_misread() {
        let mut out = String::new();
        render(
            &serde_json::json!({ "a": "yes", "b": "x: y", "c": ["null", "ok"], "d": 1, "$ref": "#/x" }),
            0,
            &mut out,
        );
        assert_eq!(
            out,
            "$ref: \"#/x\"\na: \"yes\"\nb: \"x: y\"\nc: [\"null\", ok]\nd: 1\n"
        );
    }
}
