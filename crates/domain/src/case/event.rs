//! The history of a case, typed: each entry is a [`CaseEvent`] carrying
//! what was decided or entered (amounts in fen, dates as dates, materials
//! as values), stored as versioned JSON and read back, old entries
//! included, as a sentence in the reader's language ([`CaseEvent::message`]).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{Case, Due, EventKind, NoticeWindow, Step};
use crate::assistance::{Level, Material};
use crate::i18n::{Message, Part};
use crate::money::Fen;

/// What a home survey recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Survey {
    pub investigators: Vec<String>,
    pub family_signatures: Vec<String>,
    pub findings: String,
    pub photos: u32,
}

/// A case's due dates, before or after they were counted again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DueDates {
    pub step_due: Option<NaiveDate>,
    pub overall_due: Option<NaiveDate>,
    pub verification_due: Option<NaiveDate>,
    pub rejection_notice_due: Option<NaiveDate>,
}

impl DueDates {
    /// The dates of `case`, with its overall due date (counted by the caller).
    pub fn of(case: &Case, overall_due: Option<NaiveDate>) -> DueDates {
        DueDates {
            step_due: case.step_due.map(Due::date),
            overall_due,
            verification_due: case.verification_due,
            rejection_notice_due: case.rejection_notice_due,
        }
    }

    fn labelled(self) -> [(&'static str, Option<NaiveDate>); 4] {
        [
            ("case.step_due", self.step_due),
            ("case.overall_due", self.overall_due),
            ("case.verification_due", self.verification_due),
            ("case.rejection_notice_due", self.rejection_notice_due),
        ]
    }
}

/// One entry of a case's history with its data. Stored as
/// [`VersionedEvent`] JSON: `{"v":1,"kind":"approved","amount":126000}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CaseEvent {
    Submitted {
        on_behalf: bool,
    },
    MaterialsIncomplete {
        missing: Vec<Material>,
    },
    MaterialsChecked {
        provided: Vec<Material>,
        missing: Vec<Material>,
    },
    /// 受理 (a 急难 case may be accepted with materials still missing).
    Accepted {
        #[serde(default)]
        missing: Vec<Material>,
    },
    StaffRelative,
    InvestigationStarted,
    VerificationRequested,
    VerificationAttached {
        result_id: i64,
        eligible: bool,
    },
    Surveyed(Survey),
    CountySurveyed(Survey),
    Opinion {
        approve: bool,
        reason: String,
    },
    NoticeStarted {
        /// None in entries written before the window was recorded.
        #[serde(default)]
        window: Option<NoticeWindow>,
    },
    /// An objection to the public notice (from the public board).
    Objection {
        #[serde(default)]
        notice: Option<i64>,
        #[serde(default)]
        text: String,
    },
    NoticeClosed {
        #[serde(default)]
        objections: u32,
    },
    Reinvestigation {
        reason: String,
    },
    DemocraticReview {
        participants: String,
        conclusion: String,
    },
    SentForConfirmation {
        #[serde(default)]
        level: Option<Level>,
    },
    SpotCheck,
    Returned {
        reason: String,
    },
    Approved {
        amount: Fen,
    },
    Rejected {
        reason: String,
    },
    PaidFirst {
        amount: Fen,
        reason: String,
    },
    PaperworkCompleted {
        #[serde(default)]
        amount: Option<Fen>,
    },
    Suspended {
        reason: String,
    },
    Resumed,
    Extended {
        reason: String,
    },
    Withdrawn {
        reason: String,
    },
    DatesRecounted {
        before: DueDates,
        after: DueDates,
    },
}

/// The stored shape of an event: its version beside its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionedEvent {
    pub v: u32,
    #[serde(flatten)]
    pub event: CaseEvent,
}

impl VersionedEvent {
    pub const VERSION: u32 = 1;

    pub fn new(event: CaseEvent) -> VersionedEvent {
        VersionedEvent { v: VersionedEvent::VERSION, event }
    }
}

/// What the history column holds: an event written since events were typed,
/// or the loose detail written before (read through [`CaseEvent::read`]).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StoredEvent {
    Current(VersionedEvent),
    Legacy(LegacyDetail),
}

/// The detail of an entry written before events were typed: one object of
/// whatever the step had entered, shared by every event of the step.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct LegacyDetail {
    pub on_behalf: bool,
    pub missing: Vec<String>,
    pub provided: Vec<String>,
    pub result_id: i64,
    pub eligible: bool,
    pub investigators: Vec<String>,
    pub family_signatures: Vec<String>,
    pub findings: String,
    pub photos: u32,
    pub approve: bool,
    pub reason: String,
    pub participants: String,
    pub conclusion: String,
    pub amount_fen: Option<i64>,
    pub notice: Option<i64>,
    pub text: String,
    pub before: DueDates,
    pub after: DueDates,
}

fn materials(codes: &[String]) -> Vec<Material> {
    codes.iter().filter_map(|c| Material::parse(c)).collect()
}

impl CaseEvent {
    /// The entry for `kind`, which `step` (none when the case was opened)
    /// brought about, with the data of the step and of the case after it.
    pub fn record(kind: EventKind, step: Option<&Step>, case: &Case) -> CaseEvent {
        let reason = || step.and_then(Step::reason).unwrap_or_default().to_string();
        let survey = || match step {
            Some(Step::RecordSurvey { investigators, family_signatures, findings, photos }) => Survey {
                investigators: investigators.clone(),
                family_signatures: family_signatures.clone(),
                findings: findings.clone(),
                photos: *photos,
            },
            _ => Survey::default(),
        };
        match kind {
            EventKind::Submitted => CaseEvent::Submitted { on_behalf: case.on_behalf },
            EventKind::MaterialsIncomplete => CaseEvent::MaterialsIncomplete { missing: case.missing.clone() },
            EventKind::MaterialsChecked => CaseEvent::MaterialsChecked {
                provided: match step {
                    Some(Step::CheckMaterials { provided }) => provided.clone(),
                    _ => Vec::new(),
                },
                missing: case.missing.clone(),
            },
            EventKind::Accepted => CaseEvent::Accepted { missing: case.missing.clone() },
            EventKind::StaffRelative => CaseEvent::StaffRelative,
            EventKind::InvestigationStarted => CaseEvent::InvestigationStarted,
            EventKind::VerificationRequested => CaseEvent::VerificationRequested,
            EventKind::VerificationAttached => {
                let v = case.verification;
                CaseEvent::VerificationAttached {
                    result_id: v.map_or(0, |v| v.result_id),
                    eligible: v.is_some_and(|v| v.eligible),
                }
            }
            EventKind::Surveyed => CaseEvent::Surveyed(survey()),
            EventKind::CountySurveyed => CaseEvent::CountySurveyed(survey()),
            EventKind::Opinion => CaseEvent::Opinion { approve: case.opinion.unwrap_or(false), reason: reason() },
            EventKind::NoticeStarted => CaseEvent::NoticeStarted { window: case.notice },
            EventKind::Objection => CaseEvent::Objection { notice: None, text: String::new() },
            EventKind::NoticeClosed => CaseEvent::NoticeClosed { objections: case.objections },
            EventKind::Reinvestigation => CaseEvent::Reinvestigation { reason: reason() },
            EventKind::DemocraticReview => match step {
                Some(Step::DemocraticReview { participants, conclusion }) => {
                    CaseEvent::DemocraticReview { participants: participants.clone(), conclusion: conclusion.clone() }
                }
                _ => CaseEvent::DemocraticReview { participants: String::new(), conclusion: String::new() },
            },
            EventKind::SentForConfirmation => CaseEvent::SentForConfirmation { level: Some(case.level) },
            EventKind::SpotCheck => CaseEvent::SpotCheck,
            EventKind::Returned => CaseEvent::Returned { reason: reason() },
            EventKind::Approved => CaseEvent::Approved { amount: case.amount.unwrap_or_default() },
            EventKind::Rejected => CaseEvent::Rejected { reason: reason() },
            EventKind::PaidFirst => {
                CaseEvent::PaidFirst { amount: case.paid_first.unwrap_or_default(), reason: reason() }
            }
            EventKind::PaperworkCompleted => CaseEvent::PaperworkCompleted { amount: case.amount },
            EventKind::Suspended => CaseEvent::Suspended { reason: reason() },
            EventKind::Resumed => CaseEvent::Resumed,
            EventKind::Extended => CaseEvent::Extended { reason: reason() },
            EventKind::Withdrawn => CaseEvent::Withdrawn { reason: reason() },
            EventKind::DatesRecounted => {
                CaseEvent::DatesRecounted { before: DueDates::default(), after: DueDates::default() }
            }
        }
    }

    /// An entry as stored under `kind`: the typed event, or an old entry's
    /// loose detail read into the event of its kind.
    pub fn read(kind: EventKind, stored: StoredEvent) -> CaseEvent {
        let d = match stored {
            StoredEvent::Current(v) if v.event.kind() == kind => return v.event,
            StoredEvent::Current(_) => LegacyDetail::default(),
            StoredEvent::Legacy(d) => d,
        };
        let amount = d.amount_fen.map(Fen);
        let survey = || Survey {
            investigators: d.investigators.clone(),
            family_signatures: d.family_signatures.clone(),
            findings: d.findings.clone(),
            photos: d.photos,
        };
        match kind {
            EventKind::Submitted => CaseEvent::Submitted { on_behalf: d.on_behalf },
            EventKind::MaterialsIncomplete => CaseEvent::MaterialsIncomplete { missing: materials(&d.missing) },
            EventKind::MaterialsChecked => {
                CaseEvent::MaterialsChecked { provided: materials(&d.provided), missing: materials(&d.missing) }
            }
            EventKind::Accepted => CaseEvent::Accepted { missing: materials(&d.missing) },
            EventKind::StaffRelative => CaseEvent::StaffRelative,
            EventKind::InvestigationStarted => CaseEvent::InvestigationStarted,
            EventKind::VerificationRequested => CaseEvent::VerificationRequested,
            EventKind::VerificationAttached => {
                CaseEvent::VerificationAttached { result_id: d.result_id, eligible: d.eligible }
            }
            EventKind::Surveyed => CaseEvent::Surveyed(survey()),
            EventKind::CountySurveyed => CaseEvent::CountySurveyed(survey()),
            EventKind::Opinion => CaseEvent::Opinion { approve: d.approve, reason: d.reason },
            EventKind::NoticeStarted => CaseEvent::NoticeStarted { window: None },
            EventKind::Objection => CaseEvent::Objection { notice: d.notice, text: d.text },
            EventKind::NoticeClosed => CaseEvent::NoticeClosed { objections: 0 },
            EventKind::Reinvestigation => CaseEvent::Reinvestigation { reason: d.reason },
            EventKind::DemocraticReview => {
                CaseEvent::DemocraticReview { participants: d.participants, conclusion: d.conclusion }
            }
            EventKind::SentForConfirmation => CaseEvent::SentForConfirmation { level: None },
            EventKind::SpotCheck => CaseEvent::SpotCheck,
            EventKind::Returned => CaseEvent::Returned { reason: d.reason },
            EventKind::Approved => CaseEvent::Approved { amount: amount.unwrap_or_default() },
            EventKind::Rejected => CaseEvent::Rejected { reason: d.reason },
            EventKind::PaidFirst => CaseEvent::PaidFirst { amount: amount.unwrap_or_default(), reason: d.reason },
            EventKind::PaperworkCompleted => CaseEvent::PaperworkCompleted { amount },
            EventKind::Suspended => CaseEvent::Suspended { reason: d.reason },
            EventKind::Resumed => CaseEvent::Resumed,
            EventKind::Extended => CaseEvent::Extended { reason: d.reason },
            EventKind::Withdrawn => CaseEvent::Withdrawn { reason: d.reason },
            EventKind::DatesRecounted => CaseEvent::DatesRecounted { before: d.before, after: d.after },
        }
    }

    pub fn kind(&self) -> EventKind {
        match self {
            CaseEvent::Submitted { .. } => EventKind::Submitted,
            CaseEvent::MaterialsIncomplete { .. } => EventKind::MaterialsIncomplete,
            CaseEvent::MaterialsChecked { .. } => EventKind::MaterialsChecked,
            CaseEvent::Accepted { .. } => EventKind::Accepted,
            CaseEvent::StaffRelative => EventKind::StaffRelative,
            CaseEvent::InvestigationStarted => EventKind::InvestigationStarted,
            CaseEvent::VerificationRequested => EventKind::VerificationRequested,
            CaseEvent::VerificationAttached { .. } => EventKind::VerificationAttached,
            CaseEvent::Surveyed(_) => EventKind::Surveyed,
            CaseEvent::CountySurveyed(_) => EventKind::CountySurveyed,
            CaseEvent::Opinion { .. } => EventKind::Opinion,
            CaseEvent::NoticeStarted { .. } => EventKind::NoticeStarted,
            CaseEvent::Objection { .. } => EventKind::Objection,
            CaseEvent::NoticeClosed { .. } => EventKind::NoticeClosed,
            CaseEvent::Reinvestigation { .. } => EventKind::Reinvestigation,
            CaseEvent::DemocraticReview { .. } => EventKind::DemocraticReview,
            CaseEvent::SentForConfirmation { .. } => EventKind::SentForConfirmation,
            CaseEvent::SpotCheck => EventKind::SpotCheck,
            CaseEvent::Returned { .. } => EventKind::Returned,
            CaseEvent::Approved { .. } => EventKind::Approved,
            CaseEvent::Rejected { .. } => EventKind::Rejected,
            CaseEvent::PaidFirst { .. } => EventKind::PaidFirst,
            CaseEvent::PaperworkCompleted { .. } => EventKind::PaperworkCompleted,
            CaseEvent::Suspended { .. } => EventKind::Suspended,
            CaseEvent::Resumed => EventKind::Resumed,
            CaseEvent::Extended { .. } => EventKind::Extended,
            CaseEvent::Withdrawn { .. } => EventKind::Withdrawn,
            CaseEvent::DatesRecounted { .. } => EventKind::DatesRecounted,
        }
    }

    /// The free texts people entered (reasons, findings, names), for
    /// masking personal numbers in them.
    pub fn texts_mut(&mut self) -> Vec<&mut String> {
        match self {
            CaseEvent::Surveyed(s) | CaseEvent::CountySurveyed(s) => {
                let mut all: Vec<&mut String> = s.investigators.iter_mut().collect();
                all.extend(s.family_signatures.iter_mut());
                all.push(&mut s.findings);
                all
            }
            CaseEvent::Opinion { reason, .. }
            | CaseEvent::Reinvestigation { reason }
            | CaseEvent::Returned { reason }
            | CaseEvent::Rejected { reason }
            | CaseEvent::PaidFirst { reason, .. }
            | CaseEvent::Suspended { reason }
            | CaseEvent::Extended { reason }
            | CaseEvent::Withdrawn { reason } => vec![reason],
            CaseEvent::Objection { text, .. } => vec![text],
            CaseEvent::DemocraticReview { participants, conclusion } => vec![participants, conclusion],
            _ => Vec::new(),
        }
    }

    /// The entry as a sentence: what happened, then what was entered or
    /// decided (`批准：金额1,260.00元`), in the reader's language.
    pub fn message(&self) -> Message {
        let what = self.kind().message_key();
        let details = self.details();
        if details.is_empty() {
            Message::new(what)
        } else {
            Message::new("case.event.detailed").part("what", Part::Label(what)).part("details", Part::Messages(details))
        }
    }

    fn details(&self) -> Vec<Message> {
        let mut out = Vec::new();
        let text = |out: &mut Vec<Message>, key: &'static str, value: &str| {
            if !value.trim().is_empty() {
                out.push(Message::new(key).arg("text", value.trim()));
            }
        };
        let list = |out: &mut Vec<Message>, key: &'static str, items: &[Material]| {
            if !items.is_empty() {
                out.push(Message::new(key).part("list", Part::Labels(items.iter().map(|m| m.message_key()).collect())));
            }
        };
        let names = |out: &mut Vec<Message>, key: &'static str, names: &[String]| {
            if !names.is_empty() {
                out.push(Message::new(key).arg("text", names.join("、")));
            }
        };
        let amount =
            |out: &mut Vec<Message>, amount: Fen| out.push(Message::new("case.event.amount").arg("amount", amount));
        match self {
            CaseEvent::Submitted { on_behalf } => {
                if *on_behalf {
                    out.push(Message::new("case.event.on_behalf"));
                }
            }
            CaseEvent::MaterialsIncomplete { missing } | CaseEvent::Accepted { missing } => {
                list(&mut out, "case.event.missing", missing)
            }
            CaseEvent::MaterialsChecked { provided, missing } => {
                list(&mut out, "case.event.provided", provided);
                list(&mut out, "case.event.missing", missing);
            }
            CaseEvent::VerificationAttached { result_id, eligible } => {
                if *result_id > 0 {
                    out.push(Message::new("case.event.report").arg("id", result_id));
                }
                out.push(Message::new(if *eligible { "case.event.no_findings" } else { "case.event.findings_found" }));
            }
            CaseEvent::Surveyed(s) | CaseEvent::CountySurveyed(s) => {
                names(&mut out, "case.event.investigators", &s.investigators);
                names(&mut out, "case.event.signed", &s.family_signatures);
                text(&mut out, "case.event.findings", &s.findings);
                if s.photos > 0 {
                    out.push(Message::new("case.event.photos").arg("n", s.photos));
                }
            }
            CaseEvent::Opinion { approve, reason } => {
                out.push(Message::new(if *approve { "case.recommend_approve" } else { "case.recommend_reject" }));
                text(&mut out, "case.event.reason", reason);
            }
            CaseEvent::NoticeStarted { window: Some(w) } => out.push(
                Message::new("case.event.notice_window")
                    .part("from", Part::Date(w.from))
                    .part("until", Part::Date(w.until)),
            ),
            CaseEvent::Objection { text: t, .. } => text(&mut out, "case.event.objection", t),
            CaseEvent::NoticeClosed { objections } => {
                if *objections > 0 {
                    out.push(Message::new("case.event.objections").arg("n", objections));
                }
            }
            CaseEvent::DemocraticReview { participants, conclusion } => {
                text(&mut out, "case.event.participants", participants);
                text(&mut out, "case.event.conclusion", conclusion);
            }
            CaseEvent::SentForConfirmation { level: Some(level) } => {
                out.push(Message::new("case.event.level").part("level", Part::Label(level.message_key())))
            }
            CaseEvent::Approved { amount: a } | CaseEvent::PaperworkCompleted { amount: Some(a) } => {
                amount(&mut out, *a)
            }
            CaseEvent::PaidFirst { amount: a, reason } => {
                amount(&mut out, *a);
                text(&mut out, "case.event.reason", reason);
            }
            CaseEvent::Reinvestigation { reason }
            | CaseEvent::Returned { reason }
            | CaseEvent::Rejected { reason }
            | CaseEvent::Suspended { reason }
            | CaseEvent::Extended { reason }
            | CaseEvent::Withdrawn { reason } => text(&mut out, "case.event.reason", reason),
            CaseEvent::DatesRecounted { before, after } => {
                for ((what, was), (_, now)) in before.labelled().into_iter().zip(after.labelled()) {
                    match (was, now) {
                        (Some(was), Some(now)) if was != now => out.push(
                            Message::new("case.event.date_moved")
                                .part("what", Part::Label(what))
                                .part("before", Part::Date(was))
                                .part("after", Part::Date(now)),
                        ),
                        (None, Some(now)) => out.push(
                            Message::new("case.event.date_set")
                                .part("what", Part::Label(what))
                                .part("after", Part::Date(now)),
                        ),
                        _ => {}
                    }
                }
            }
            CaseEvent::NoticeStarted { window: None }
            | CaseEvent::SentForConfirmation { level: None }
            | CaseEvent::PaperworkCompleted { amount: None }
            | CaseEvent::StaffRelative
            | CaseEvent::InvestigationStarted
            | CaseEvent::VerificationRequested
            | CaseEvent::SpotCheck
            | CaseEvent::Resumed => {}
        }
        out
    }
}
