//! Maximum lengths of the free-text fields people type or import.
//!
//! Every text a user can enter has a bound that fits what it is (a name is
//! at most 50 characters, an address 200, a reason 2,000), checked once at
//! each entry point (form, API, import) with a message naming the field and
//! its limit. Without bounds one pasted value of 100,000 characters made
//! every later roster export fail (Excel holds at most 32,767 characters in
//! a cell) and every page that shows it unusable.
//!
//! Lengths count characters (Unicode scalar values), not bytes: `张三` is 2.

use crate::i18n::Message;

/// A field's maximum length and how messages name the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    /// The field's Chinese label, as on forms and roster headers.
    pub label: &'static str,
    /// The field's name in forms and the API (`address`).
    pub name: &'static str,
    /// At most this many characters.
    pub max: usize,
}

impl TextLimit {
    pub const fn new(label: &'static str, name: &'static str, max: usize) -> TextLimit {
        TextLimit { label, name, max }
    }

    /// `家庭住址（address）`: how messages name the field, in both languages
    /// (like the roster's column names).
    pub fn field(&self) -> String {
        format!("{}（{}）", self.label, self.name)
    }

    /// Whether `value` is within the limit.
    pub fn fits(&self, value: &str) -> bool {
        // Counting stops one past the limit: a huge value costs no more.
        value.chars().take(self.max + 1).count() <= self.max
    }

    /// `Err` with the message naming the field and the limit when `value`
    /// is too long.
    pub fn check(&self, value: &str) -> Result<(), Message> {
        if self.fits(value) { Ok(()) } else { Err(self.too_long(value)) }
    }

    /// The message for a value over the limit.
    pub fn too_long(&self, value: &str) -> Message {
        Message::new("text.error.too_long")
            .arg("field", self.field())
            .arg("max", self.max)
            .arg("len", value.chars().count())
    }
}

// Households and members.
pub const EXTERNAL_ID: TextLimit = TextLimit::new("户编号", "external_id", 40);
pub const REGION_CODE: TextLimit = TextLimit::new("区划代码", "region_code", 20);
pub const ADDRESS: TextLimit = TextLimit::new("家庭住址", "address", 200);
pub const PHONE: TextLimit = TextLimit::new("联系电话", "phone", 20);
pub const PROGRAM: TextLimit = TextLimit::new("救助类别", "program", 20);
pub const MONEY: TextLimit = TextLimit::new("金额", "monthly_benefit_yuan", 20);
pub const ID_NUMBER: TextLimit = TextLimit::new("身份证号", "id_number", 25);
pub const PERSON_NAME: TextLimit = TextLimit::new("姓名", "name", 50);
pub const RELATION: TextLimit = TextLimit::new("与户主关系", "relation", 20);
pub const DISABILITY_LEVEL: TextLimit = TextLimit::new("残疾等级", "disability_level", 10);
pub const DISABILITY_KIND: TextLimit = TextLimit::new("残疾类别", "disability_kind", 20);
/// Any other short coded value (yes/no, a code from a list).
pub const CODE: TextLimit = TextLimit::new("代码", "code", 40);

/// Free text: reasons, opinions, notes, findings, objections.
pub const fn note(label: &'static str, name: &'static str) -> TextLimit {
    TextLimit::new(label, name, 2_000)
}

/// Short free text: people's names in lists, signatures, titles, logins.
pub const fn short(label: &'static str, name: &'static str) -> TextLimit {
    TextLimit::new(label, name, 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn characters_are_counted_not_bytes() {
        assert!(PERSON_NAME.fits(&"张".repeat(50)));
        assert!(!PERSON_NAME.fits(&"张".repeat(51)));
        assert!(ADDRESS.fits(&"a".repeat(200)) && !ADDRESS.fits(&"a".repeat(201)));
    }

    #[test]
    fn the_message_names_the_field_and_the_limit() {
        let message = ADDRESS.check(&"路".repeat(100_000)).unwrap_err();
        assert_eq!(message.render(Lang::Zh), "家庭住址（address）过长：最多200个字符，现有100000个字符");
        assert!(message.render(Lang::En).contains("at most 200 characters"));
        assert_eq!(ADDRESS.check("城关镇东村12号"), Ok(()));
    }
}
