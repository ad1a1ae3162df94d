//! Given/when/then tests and properties of accounts.

use proptest::prelude::*;

use super::*;
use crate::i18n::{Lang, has_key};

fn entry(holder: AccountHolder, name: &str, number: &str) -> AccountEntry {
    AccountEntry {
        holder,
        bank: "农业银行清河支行".into(),
        account_name: name.into(),
        number: AccountNumber::parse(number).unwrap(),
        custody: None,
    }
}

#[test]
fn given_a_pasted_number_with_spaces_dashes_and_full_width_digits_when_parsed_then_digits_remain() {
    let n = AccountNumber::parse(" 6217 0012-3456 7890 123 ").unwrap();
    assert_eq!(n.as_str(), "6217001234567890123");
    let full = AccountNumber::parse("６２１７　００１２３４５６７８９０１２３").unwrap();
    assert_eq!(full.as_str(), "6217001234567890123");
}

#[test]
fn given_a_number_with_a_letter_or_the_wrong_length_when_parsed_then_the_error_names_it() {
    assert_eq!(AccountNumber::parse("6217O0123456"), Err(AccountError::NotDigit('O')));
    assert_eq!(AccountNumber::parse("1234567"), Err(AccountError::TooShort(7)));
    assert_eq!(AccountNumber::parse(&"1".repeat(33)), Err(AccountError::TooLong(33)));
    assert_eq!(AccountNumber::parse(" - "), Err(AccountError::Empty));
    let m = AccountError::NotDigit('O').message();
    assert_eq!(m.render(Lang::Zh), "银行账号只能由数字组成，不能含有“O”");
    let m = AccountError::TooShort(7).message();
    assert_eq!(m.render(Lang::Zh), "银行账号只有7位，至少应有8位");
}

#[test]
fn given_a_card_number_failing_its_check_digit_when_checked_then_it_is_a_warning_not_an_error() {
    // 6217001234567890123 is not Luhn-valid; ...0128 is (computed below).
    let bad = entry(AccountHolder::Head, "张三", "6217001234567890123");
    assert!(!bad.number.luhn_ok());
    assert_eq!(check(&bad, true, false, Some(AccountHolder::Head), "张三"), Ok(vec![AccountWarning::CheckDigit]));
    let good = entry(AccountHolder::Head, "张三", &with_check_digit("621700123456789012"));
    assert_eq!(check(&good, true, false, Some(AccountHolder::Head), "张三"), Ok(vec![]));
}

#[test]
fn given_a_passbook_number_of_non_card_length_when_checked_then_no_check_digit_warning() {
    let passbook = entry(AccountHolder::Own, "李四", "12345678901234");
    assert_eq!(check(&passbook, false, false, Some(AccountHolder::Own), "李四"), Ok(vec![]));
}

#[test]
fn the_luhn_check_agrees_with_known_numbers() {
    assert!(luhn_ok("4111111111111111"));
    assert!(luhn_ok("79927398713"));
    assert!(!luhn_ok("79927398710"));
    assert!(!luhn_ok(""));
    assert!(!luhn_ok("12a4"));
}

#[test]
fn masking_keeps_the_first_four_and_last_four_like_id_numbers() {
    assert_eq!(mask("6217001234567890123"), "6217***********0123");
    assert_eq!(mask("12345678901234"), "**********1234");
    assert_eq!(mask("1234567890"), "******7890");
    assert_eq!(mask("12345678"), "****5678");
}

#[test]
fn given_a_household_entitlement_then_the_payee_is_the_head() {
    assert_eq!(required_holder(Recipient::Household, Program::Dibao, None), AccountHolder::Head);
}

#[test]
fn given_a_personal_entitlement_then_the_payee_is_the_person() {
    assert_eq!(required_holder(Recipient::Person(7), Program::Dibao, None), AccountHolder::Own);
    assert_eq!(required_holder(Recipient::Person(7), Program::Tekun, Some(SupportMode::Home)), AccountHolder::Own);
}

#[test]
fn given_a_tekun_person_in_an_institution_then_the_payee_is_the_institution() {
    assert_eq!(
        required_holder(Recipient::Household, Program::Tekun, Some(SupportMode::Institution)),
        AccountHolder::Institution
    );
    assert_eq!(
        required_holder(Recipient::Person(7), Program::Tekun, Some(SupportMode::Institution)),
        AccountHolder::Institution
    );
}

#[test]
fn given_the_household_line_when_an_account_is_not_the_heads_then_it_is_refused() {
    let own = entry(AccountHolder::Own, "张三", "12345678901234");
    assert!(matches!(check(&own, true, true, None, "张三"), Err(AccountError::WrongHolder { .. })));
    let inst = entry(AccountHolder::Institution, "清河敬老院", "12345678901234");
    assert!(matches!(check(&inst, true, false, None, "清河敬老院"), Err(AccountError::WrongHolder { .. })));
    assert!(matches!(check(&inst, false, false, None, "清河敬老院"), Err(AccountError::WrongHolder { .. })));
    assert_eq!(check(&inst, true, true, None, "清河敬老院"), Ok(vec![]));
    let head_for_member = entry(AccountHolder::Head, "张三", "12345678901234");
    assert!(matches!(check(&head_for_member, false, false, None, "李四"), Err(AccountError::WrongHolder { .. })));
}

#[test]
fn given_an_account_in_another_name_when_checked_then_a_warning_names_both() {
    let e = entry(AccountHolder::Head, "张 三丰", "12345678901234");
    assert_eq!(
        check(&e, true, false, Some(AccountHolder::Head), "张三"),
        Ok(vec![AccountWarning::NameDiffers { account_name: "张 三丰".into(), holder_name: "张三".into() }])
    );
    // Spaces and full-width letters do not make a name differ.
    let spaced = entry(AccountHolder::Head, " 张 三 ", "12345678901234");
    assert_eq!(check(&spaced, true, false, Some(AccountHolder::Head), "张三"), Ok(vec![]));
    let m = AccountWarning::NameDiffers { account_name: "张三丰".into(), holder_name: "张三".into() }.message();
    assert_eq!(m.render(Lang::Zh), "账户户名“张三丰”与收款人“张三”不一致，请核实");
}

#[test]
fn given_a_tekun_person_decided_in_an_institution_when_paid_to_the_person_then_a_warning() {
    let own = entry(AccountHolder::Own, "王五", "12345678901234");
    assert_eq!(
        check(&own, false, true, Some(AccountHolder::Institution), "王五"),
        Ok(vec![AccountWarning::HolderDiffers { needed: AccountHolder::Institution, given: AccountHolder::Own }])
    );
}

#[test]
fn given_custody_by_an_official_when_there_is_no_filed_agreement_then_it_is_refused() {
    let mut e = entry(AccountHolder::Own, "赵六", "12345678901234");
    e.custody = Some(Custody { custodian: "王五（清河村村委会主任）".into(), agreement: " ".into() });
    assert_eq!(check(&e, false, false, Some(AccountHolder::Own), "赵六"), Err(AccountError::NoAgreement));
    e.custody = Some(Custody { custodian: "".into(), agreement: "清民代管〔2026〕3号".into() });
    assert_eq!(check(&e, false, false, Some(AccountHolder::Own), "赵六"), Err(AccountError::NoCustodian));
    e.custody = Some(Custody {
        custodian: "王五（清河村村委会主任）".into(), agreement: "清民代管〔2026〕3号".into()
    });
    assert_eq!(check(&e, false, false, Some(AccountHolder::Own), "赵六"), Ok(vec![]));
    let mut inst = entry(AccountHolder::Institution, "清河敬老院", "12345678901234");
    inst.custody = e.custody.clone();
    assert_eq!(
        check(&inst, false, true, Some(AccountHolder::Institution), "清河敬老院"),
        Err(AccountError::InstitutionInCustody)
    );
}

#[test]
fn given_no_bank_or_no_name_then_refused() {
    let mut e = entry(AccountHolder::Head, "张三", "12345678901234");
    e.bank = " ".into();
    assert_eq!(check(&e, true, false, None, "张三"), Err(AccountError::NoBank));
    e.bank = "农业银行".into();
    e.account_name = "".into();
    assert_eq!(check(&e, true, false, None, "张三"), Err(AccountError::NoName));
}

#[test]
fn every_message_key_exists_in_both_languages() {
    let keys = [
        AccountError::Empty.message().key,
        AccountError::NotDigit('x').message().key,
        AccountError::TooShort(1).message().key,
        AccountError::TooLong(40).message().key,
        AccountError::NoBank.message().key,
        AccountError::NoName.message().key,
        AccountError::WrongHolder { given: AccountHolder::Own, allowed: &[] }.message().key,
        AccountError::NoCustodian.message().key,
        AccountError::NoAgreement.message().key,
        AccountError::InstitutionInCustody.message().key,
        AccountWarning::CheckDigit.message().key,
    ];
    for key in keys {
        assert!(has_key(key), "{key}");
    }
    for h in AccountHolder::ALL {
        assert!(has_key(h.message_key()));
        assert_eq!(AccountHolder::parse(h.label(Lang::Zh)), Some(*h));
    }
}

/// `prefix` with its Luhn check digit appended.
fn with_check_digit(prefix: &str) -> String {
    (0..10).map(|d| format!("{prefix}{d}")).find(|n| luhn_ok(n)).unwrap()
}

proptest! {
    #[test]
    fn parse_is_idempotent_on_its_output(raw in "[0-9 \\-０-９]{0,40}") {
        if let Ok(n) = AccountNumber::parse(&raw) {
            prop_assert_eq!(AccountNumber::parse(n.as_str()), Ok(n.clone()));
        }
    }

    #[test]
    fn masking_never_reveals_more_than_eight_digits_nor_half(digits in "[0-9]{8,32}") {
        let masked = AccountNumber::parse(&digits).unwrap().masked();
        let shown = masked.chars().filter(char::is_ascii_digit).count();
        prop_assert!(shown <= 8);
        prop_assert!(shown * 2 <= digits.len());
        prop_assert_eq!(masked.chars().count(), digits.len());
    }

    #[test]
    fn appending_the_check_digit_always_passes_and_changing_one_digit_always_fails(
        prefix in "[0-9]{15,18}", pos in 0usize..19, delta in 1u8..10
    ) {
        let n = with_check_digit(&prefix);
        prop_assert!(luhn_ok(&n));
        let pos = pos % n.len();
        let mut bytes = n.into_bytes();
        bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
        prop_assert!(!luhn_ok(&String::from_utf8(bytes).unwrap()));
    }
}
