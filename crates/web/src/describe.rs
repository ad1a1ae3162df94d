//! Stored history and audit details in words: a household's history and
//! the audit log keep what was done as codes and JSON (`case_approve`,
//! `{"monthly_benefit_fen": 126000}`); pages show them as labelled values
//! in the reader's language (办理案件：批准; 月保障金额：1,260.00元), with
//! the labels of `domain::history`. Nothing here shows a field name, a
//! code or a fen value: a field without a label is counted, not shown.

use chrono::{DateTime, NaiveDate, Utc};
use jiuzhu_domain::Fen;
use jiuzhu_domain::case::{CaseEvent, EventKind, StoredEvent};
use jiuzhu_domain::entitlement::EntitlementEvent;
use jiuzhu_domain::history::{action_message, code_key, field_key, looks_like_code, target_kind_key};
use jiuzhu_domain::i18n::{Lang, tf};
use serde_json::Value;

use crate::tr::Tr;

/// What a recorded action is called; an action without a label reads as
/// 其他操作 (the code stays in the page's attributes for auditors).
pub fn action(tr: &Tr, action: &str) -> String {
    match action_message(action) {
        Some(m) => tr.msg(&m),
        None => tr.t("audit.action.other").to_string(),
    }
}

/// What an audit record is about: `案件 12`.
pub fn target(tr: &Tr, kind: &str, id: &str) -> String {
    if kind.is_empty() {
        return String::new();
    }
    let kind = tr.t(target_kind_key(kind).unwrap_or("audit.target"));
    let id = if looks_like_code(id) { "" } else { id };
    tf(tr.lang, "audit.target_line", &[("kind", kind), ("id", id)]).trim().to_string()
}

/// An audit record's values before and after, in words.
pub fn audit_change(tr: &Tr, before: &str, after: &str) -> String {
    let parse =
        |s: &str| if s.trim().is_empty() { Value::Null } else { serde_json::from_str(s).unwrap_or(Value::Null) };
    let (before, after) = (fields(tr, &parse(before)), fields(tr, &parse(after)));
    match (before.is_empty(), after.is_empty()) {
        (true, _) => after,
        (false, true) => format!("{}{}{}", tr.t("audit.before"), colon(tr.lang), before),
        (false, false) => format!(
            "{}{}{}{}{}{}{}",
            tr.t("audit.before"),
            colon(tr.lang),
            before,
            clause(tr.lang),
            tr.t("audit.after"),
            colon(tr.lang),
            after
        ),
    }
}

/// A household history entry's detail in words: the changed fields as
/// `地址：旧 → 新`, the values set, or the entitlement it records.
pub fn history_detail(tr: &Tr, action: &str, detail: &Value) -> String {
    if (action == EntitlementEvent::STARTED || action == EntitlementEvent::ENDED)
        && let Ok(event) = serde_json::from_value::<EntitlementEvent>(detail.clone())
    {
        return event.render(tr.lang);
    }
    fields(tr, detail)
}

fn colon(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "：" } else { ": " }
}

fn clause(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "；" } else { "; " }
}

fn list(lang: Lang) -> &'static str {
    if lang == Lang::Zh { "、" } else { ", " }
}

/// The labelled values of a JSON object; values without a label are counted.
fn fields(tr: &Tr, value: &Value) -> String {
    let Some(map) = value.as_object() else {
        return scalar(tr, "", value).unwrap_or_default();
    };
    // A value written in both languages (a message of a bad row).
    if let (Some(zh), Some(en)) = (map.get("zh").and_then(Value::as_str), map.get("en").and_then(Value::as_str)) {
        return if tr.lang == Lang::Zh { zh } else { en }.to_string();
    }
    let mut shown = Vec::new();
    let mut hidden = 0;
    for (name, v) in map {
        if v.is_null() {
            continue;
        }
        // A case step's entry of issue 10 kept what was entered under `detail`.
        if name == "detail" && v.is_object() {
            let inner = fields(tr, v);
            if !inner.is_empty() {
                shown.push(inner);
            }
            continue;
        }
        if name == "events" {
            let sentences = events(tr, v);
            if !sentences.is_empty() {
                shown.push(sentences);
            }
            continue;
        }
        let (Some(label), Some(text)) = (field_key(name), value_text(tr, name, v)) else {
            hidden += 1;
            continue;
        };
        if !text.is_empty() {
            shown.push(tf(tr.lang, "history.field", &[("label", tr.t(label)), ("value", &text)]));
        }
    }
    if hidden > 0 {
        shown.push(tf(tr.lang, "history.other_fields", &[("n", &hidden.to_string())]));
    }
    shown.join(clause(tr.lang))
}

/// A case step's events as sentences (typed, or the codes of older records).
fn events(tr: &Tr, value: &Value) -> String {
    let Some(items) = value.as_array() else { return String::new() };
    items
        .iter()
        .filter_map(|item| match item {
            Value::String(code) => EventKind::parse(code).map(|k| tr.t(k.message_key()).to_string()),
            other => {
                let stored: StoredEvent = serde_json::from_value(other.clone()).ok()?;
                let StoredEvent::Current(v) = &stored else { return None };
                let kind = v.event.kind();
                Some(tr.msg(&CaseEvent::read(kind, stored).message()))
            }
        })
        .collect::<Vec<_>>()
        .join(clause(tr.lang))
}

/// A field's value in words; none when it cannot be shown without a code.
fn value_text(tr: &Tr, field: &str, value: &Value) -> Option<String> {
    match value {
        Value::Array(pair) if pair.len() == 2 && !pair[0].is_object() && !pair[0].is_array() && is_change(field) => {
            let before = scalar(tr, field, &pair[0]).unwrap_or_default();
            let after = scalar(tr, field, &pair[1]).unwrap_or_default();
            Some(tf(tr.lang, "history.before_after", &[("before", &before), ("after", &after)]))
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let texts: Option<Vec<String>> = items.iter().map(|i| scalar(tr, field, i)).collect();
            texts.map(|t| t.join(list(tr.lang)))
        }
        Value::Array(items) => Some(tf(tr.lang, "history.count", &[("n", &items.len().to_string())])),
        Value::Object(_) => {
            let inner = fields(tr, value);
            (!inner.is_empty()).then(|| if tr.lang == Lang::Zh { format!("（{inner}）") } else { format!("({inner})") })
        }
        other => scalar(tr, field, other),
    }
}

/// History details of an edit keep `[before, after]` for each changed field
/// of the household or member forms.
fn is_change(field: &str) -> bool {
    !matches!(field, "kinds" | "missing" | "provided" | "roles" | "needs" | "cases" | "policy_versions" | "years")
}

fn scalar(tr: &Tr, field: &str, value: &Value) -> Option<String> {
    match value {
        Value::Null => Some(String::new()),
        Value::Bool(b) => Some(tr.yes_no(b).to_string()),
        Value::Number(n) if field.ends_with("_fen") => n.as_i64().map(|f| Fen(f).to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(string(tr, field, s)?),
        _ => None,
    }
}

fn string(tr: &Tr, field: &str, s: &str) -> Option<String> {
    if s.is_empty() {
        return Some(String::new());
    }
    if field.ends_with("_yuan") {
        return Some(Fen::parse_yuan(s).map(|f| f.to_string()).unwrap_or_else(|_| s.to_string()));
    }
    if field == "disability_level" {
        return Some(tr.level_label(s));
    }
    if let Ok(d) = s.parse::<NaiveDate>() {
        return Some(tr.date(&d));
    }
    if let Ok(at) = s.parse::<DateTime<Utc>>() {
        return Some(tr.datetime(&at));
    }
    let code_like = s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit());
    if code_like && s.bytes().any(|b| b.is_ascii_lowercase()) {
        if let Some(key) = code_key(field, s) {
            return Some(tr.t(key).to_string());
        }
        if looks_like_code(s) {
            return None;
        }
    }
    Some(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_household_history_entry_reads_as_labelled_values() {
        let zh = Tr::new(Lang::Zh);
        let detail = json!({"monthly_benefit_yuan": ["680.00", "1360.00"], "program": ["dibao", "tekun"]});
        assert_eq!(
            history_detail(&zh, "household_updated", &detail),
            "月保障金额：680.00元 → 1,360.00元；救助类别：低保 → 特困"
        );
        let enrolled = json!({"program": "dibao", "monthly_benefit_fen": 126000, "case_kind": "dibao"});
        assert_eq!(
            history_detail(&zh, "enrolled", &enrolled),
            "申请事项：最低生活保障；月保障金额：1,260.00元；救助类别：低保"
        );
        assert_eq!(action(&zh, "enrolled"), "纳入救助");
        let en = Tr::new(Lang::En);
        assert_eq!(action(&en, "no_such_action"), "Other action");
    }

    #[test]
    fn an_audit_record_reads_as_sentences() {
        let zh = Tr::new(Lang::Zh);
        let after =
            json!({"stage": "approved", "events": [{"v": 1, "kind": "approved", "amount": 126000}]}).to_string();
        let before = json!({"stage": "confirmation", "version": 7}).to_string();
        assert_eq!(
            audit_change(&zh, &before, &after),
            "变更前：办理环节：审核确认；版本：7；变更后：批准：金额1,260.00元；办理环节：已批准"
        );
        // Records of issue 10: the event codes and the loose detail.
        let old = json!({"stage": "approved", "events": ["approved"], "detail": {"amount_fen": 126000}}).to_string();
        assert_eq!(audit_change(&zh, "", &old), "金额：1,260.00元；批准；办理环节：已批准");
        assert_eq!(target(&zh, "case_document", "3"), "案件文书 3");
        assert_eq!(action(&zh, "case_approve"), "办理案件：批准");
    }
}
