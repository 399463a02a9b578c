//! What `deploy`, `diff`, `destroy` and `info` print: text for people, one JSON document for CI.

use serde_json::{Value, json};

use crate::ops::{AgentOutputs, Deployed, Destroyed, Diffed, Info, LinkedOutputs, UploadStatus};
use crate::publish::PushStatus;
use crate::util::text::human_bytes;

pub(super) fn deploy_json(d: &Deployed) -> Value {
    json!({
        "ok": true,
        "command": "deploy",
        "stack": d.stack,
        "status": d.status,
        "changed": d.changed,
        "changes": d.changes,
        "outputs": d.outputs,
        "linked": d.linked,
        "bucket": d.bucket.as_ref().map(|(name, status)| json!({ "name": name, "status": status })),
        "code": d.code,
        "images": d.images,
        "built": d.packaged.as_ref().map_or(json!({ "code": [], "images": [] }), |p| json!({ "code": p.assets, "images": p.images })),
        "notices": d.notices,
        "awsCalls": d.aws_calls,
    })
}

pub(super) fn deploy_text(d: &Deployed) -> String {
    let mut text = match d.changed {
        true => format!("Deployed stack {} ({})\n", d.stack, d.status),
        false => format!("No changes to stack {} ({})\n", d.stack, d.status),
    };
    if !d.changes.is_empty() {
        text.push_str("  changes\n");
        for c in &d.changes {
            text.push_str(&format!("    {}\n", crate::ops::deploy_change_line(c)));
        }
    }
    if !d.code.is_empty() || !d.images.is_empty() {
        text.push_str("  published\n");
    }
    for c in &d.code {
        let what = match c.status {
            UploadStatus::Uploaded => format!("uploaded {}", human_bytes(c.bytes)),
            _ => "in the bucket already".to_owned(),
        };
        text.push_str(&format!("    code   {}  {}  {what}  {}\n", &c.input_hash[..12], c.agents.join(", "), c.url));
    }
    for i in &d.images {
        let what = match i.status {
            PushStatus::Pushed => "pushed",
            _ => "in the registry already",
        };
        text.push_str(&format!(
            "    image  {}  {}  {what}  {}\n",
            &i.tag[..12.min(i.tag.len())],
            i.agents.join(", "),
            i.uri
        ));
    }
    outputs_text(&mut text, &d.outputs);
    linked_text(&mut text, &d.linked);
    text.push_str(&format!("  {} AWS calls\n", d.aws_calls));
    text
}

fn outputs_text(text: &mut String, outputs: &[AgentOutputs]) {
    if outputs.is_empty() {
        return;
    }
    text.push_str("  outputs\n");
    for o in outputs {
        text.push_str(&format!("    {}\n", o.agent));
        for (label, value) in [
            ("runtime", &o.runtime_arn),
            ("id", &o.runtime_id),
            ("version", &o.runtime_version),
            ("role", &o.role_arn),
            ("url", &o.invocation_url),
        ] {
            if !value.is_empty() {
                text.push_str(&format!("      {label:<9} {value}\n"));
            }
        }
        for (name, arn) in &o.endpoints {
            text.push_str(&format!("      endpoint  {name}  {arn}\n"));
        }
    }
}

pub(super) fn diff_json(d: &Diffed) -> Value {
    json!({
        "ok": true,
        "command": "diff",
        "stack": d.stack,
        "status": d.status,
        "changed": !d.is_empty(),
        "resources": d.resources,
        "outputs": d.outputs,
        "tagsChanged": d.tags_changed,
        "assets": d.assets,
        "awsCalls": d.aws_calls,
    })
}

pub(super) fn diff_text(d: &Diffed) -> String {
    let mut text = match (&d.status, d.is_empty()) {
        (None, _) => format!("Stack {} does not exist: a deploy creates it\n", d.stack),
        (Some(status), true) => format!("Stack {} ({status}): no changes\n", d.stack),
        (Some(status), false) => format!("Stack {} ({status}): a deploy would change\n", d.stack),
    };
    for r in &d.resources {
        text.push_str(&format!("  {:<7} {}  {}\n", r.action, r.logical_id, r.resource_type));
        for p in &r.paths {
            text.push_str(&format!("            ~ {p}\n"));
        }
    }
    for o in &d.outputs {
        text.push_str(&format!("  ~ {o}\n"));
    }
    if d.tags_changed {
        text.push_str("  ~ stack tags\n");
    }
    for a in &d.assets {
        let what = if a.publish { "would be published" } else { "published already" };
        text.push_str(&format!("  {:<5}  {}  {what}  {}\n", a.kind, a.agents.join(", "), a.destination));
    }
    text
}

pub(super) fn destroy_json(d: &Destroyed) -> Value {
    json!({
        "ok": true,
        "command": "destroy",
        "stack": d.stack,
        "existed": d.existed,
        "purgedObjects": d.purged_objects,
        "purgedImages": d.purged_images,
        "awsCalls": d.aws_calls,
    })
}

pub(super) fn destroy_text(d: &Destroyed) -> String {
    let mut text = match d.existed {
        true => format!("Destroyed stack {}\n", d.stack),
        false => format!("Stack {} does not exist: nothing to destroy\n", d.stack),
    };
    for o in d.purged_objects.iter().chain(&d.purged_images) {
        text.push_str(&format!("  purged {o}\n"));
    }
    text
}

pub(super) fn info_json(i: &Info) -> Value {
    json!({
        "ok": true,
        "command": "info",
        "stack": i.stack,
        "status": i.status,
        "outputs": i.outputs,
        "linked": i.linked,
        "awsCalls": i.aws_calls,
    })
}

pub(super) fn info_text(i: &Info) -> String {
    let mut text = match &i.status {
        Some(status) => format!("Stack {} ({status})\n", i.stack),
        None => format!("Stack {} does not exist\n", i.stack),
    };
    outputs_text(&mut text, &i.outputs);
    linked_text(&mut text, &i.linked);
    text
}

/// One line per linked resource: kind, name, and its URL, ID or ARN.
fn linked_text(text: &mut String, linked: &[LinkedOutputs]) {
    for l in linked {
        if let Some(value) = l.url.as_ref().or(l.id.as_ref()).or(l.arn.as_ref()) {
            text.push_str(&format!("    {} {}  {value}\n", l.kind, l.name));
        }
    }
}
