//! Presentation helpers for templates: catalogue lookups and the formats
//! offices read (`2025年10月31日`, `1,234.50元`), in the user's language.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use jiuzhu_domain::Fen;
use jiuzhu_domain::i18n::{self, Lang, Message};

/// China Standard Time, in which every time is shown.
fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or(FixedOffset::east_opt(0).expect("zero offset"))
}

/// What every template gets: the translator and formats in the user's
/// language, and who is signed in (with the CSRF token their forms carry).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tr {
    pub lang: Lang,
    /// The session's CSRF token; empty when nobody is signed in.
    pub csrf: String,
    /// The signed-in user's display name; empty when nobody is.
    pub user: String,
    pub can_manage_users: bool,
    pub can_read_audit: bool,
    pub can_verify: bool,
    pub can_cases: bool,
    pub can_calendar: bool,
    pub can_payments: bool,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang, ..Default::default() }
    }

    /// The context of a signed-in user.
    pub fn signed_in(lang: Lang, actor: &jiuzhu_app::Actor, csrf: &str) -> Tr {
        Tr {
            lang,
            csrf: csrf.to_string(),
            user: actor.name.clone(),
            can_manage_users: actor.can(jiuzhu_domain::Permission::UserManage),
            can_read_audit: actor.can(jiuzhu_domain::Permission::AuditRead),
            can_verify: actor.can(jiuzhu_domain::Permission::VerificationRead),
            can_cases: actor.can(jiuzhu_domain::Permission::CaseRead),
            can_calendar: actor.can(jiuzhu_domain::Permission::CalendarManage),
            can_payments: actor.can(jiuzhu_domain::Permission::PaymentRead),
        }
    }

    /// The `hx-headers` value that sends the CSRF token with htmx requests.
    pub fn hx_headers(&self) -> String {
        format!("{{\"X-CSRF-Token\": \"{}\"}}", self.csrf)
    }

    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.lang, key)
    }

    pub fn msg(&self, message: &Message) -> String {
        message.render(self.lang)
    }

    pub fn other_lang(&self) -> &'static str {
        match self.lang {
            Lang::Zh => "en",
            Lang::En => "zh",
        }
    }

    /// The label of a stored code (`Program` + `dibao` → `低保`); empty for none.
    pub fn code_label(&self, kind: &str, code: Option<&str>) -> String {
        match code {
            Some(c) if !c.is_empty() => {
                let key = format!("{kind}.{c}");
                if i18n::has_key(&key) { self.t(&key).to_string() } else { c.to_string() }
            }
            _ => String::new(),
        }
    }

    /// The November warning: next year's holiday arrangement is missing.
    pub fn calendar_warning(&self, year: &i32) -> String {
        i18n::tf(self.lang, "calendar.warning", &[("year", &year.to_string())])
    }

    pub fn money(&self, fen: &i64) -> String {
        Fen(*fen).to_string()
    }

    pub fn money_opt(&self, fen: &Option<i64>) -> String {
        fen.map(|f| Fen(f).to_string()).unwrap_or_default()
    }

    /// Plain 元 text (`1360.00`) shown as `1,360.00元`.
    pub fn yuan_text(&self, text: &str) -> String {
        Fen::parse_yuan(text).map(|f| f.to_string()).unwrap_or_default()
    }

    pub fn page_label(&self, page: &u32) -> String {
        i18n::tf(self.lang, "common.page", &[("page", &page.to_string())])
    }

    pub fn total_label(&self, total: &i64, capped: &bool) -> String {
        let key = if *capped { "common.total_more" } else { "common.total" };
        i18n::tf(self.lang, key, &[("total", &jiuzhu_domain::money::group_thousands(total.unsigned_abs()))])
    }

    pub fn sex_key(&self, sex: &str) -> &'static str {
        if sex == "male" { "member.sex.male" } else { "member.sex.female" }
    }

    pub fn yes_no(&self, b: &bool) -> &'static str {
        self.t(if *b { "common.yes" } else { "common.no" })
    }

    pub fn level_label(&self, level: &str) -> String {
        if level.is_empty() {
            String::new()
        } else {
            i18n::tf(self.lang, "member.disability_level.value", &[("level", level)])
        }
    }

    pub fn date(&self, date: &NaiveDate) -> String {
        i18n::format_date(self.lang, *date)
    }

    pub fn datetime(&self, at: &DateTime<Utc>) -> String {
        i18n::format_datetime(self.lang, at.with_timezone(&beijing()).naive_local())
    }

    /// `14:05`, Beijing time.
    pub fn time_of_day(&self, at: &DateTime<Utc>) -> String {
        at.with_timezone(&beijing()).format("%H:%M").to_string()
    }

    /// Who acted, as shown: a person's name, or 系统 for the command line.
    pub fn actor(&self, name: &str) -> String {
        match jiuzhu_domain::history::actor_key(name) {
            Some(key) => self.t(key).to_string(),
            None => name.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let zh = Tr::new(Lang::Zh);
        let en = Tr::new(Lang::En);
        assert_eq!(zh.total_label(&12345, &false), "共12,345户");
        assert_eq!(en.total_label(&10000, &true), "More than 10,000 households");
        assert_eq!(zh.code_label("Program", Some("dibao")), "低保");
        assert_eq!(zh.code_label("Program", Some("")), "");
        assert_eq!(zh.money_opt(&Some(123450)), "1,234.50元");
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2025, 10, 31, 1, 5, 0).unwrap();
        assert_eq!(zh.datetime(&at), "2025年10月31日 09:05");
    }
}
