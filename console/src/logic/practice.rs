//! Which practice the console works in: the decision made on start from the staff member's
//! practices and the choice remembered for this tab.

use sealpost_shared::staff::StaffPractice;

/// What the console does once it knows the staff member's practices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// Work in this practice without asking: the one remembered for the tab, or the only one.
    Use(StaffPractice),
    /// Several practices and none remembered (or the remembered one is no longer theirs).
    Ask,
    /// No practice listed: send none and let the API answer (the development identity's
    /// single-practice deployment, or a refusal the console shows as "no access").
    Unnamed,
}

/// The start decision. A remembered id counts only while it is still one of `practices`, so a
/// staff member removed from a practice is asked again rather than refused.
pub fn start(practices: &[StaffPractice], remembered: Option<&str>) -> Start {
    if let Some(kept) = remembered.and_then(|id| practices.iter().find(|p| p.id.as_str() == id)) {
        return Start::Use(kept.clone());
    }
    match practices {
        [] => Start::Unnamed,
        [only] => Start::Use(only.clone()),
        _ => Start::Ask,
    }
}

/// Whether the header offers "Switch practice".
pub fn may_switch(practices: &[StaffPractice]) -> bool {
    practices.len() > 1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use sealpost_shared::tenancy::PracticeId;

    fn practice(id: &str, name: &str) -> StaffPractice {
        StaffPractice {
            id: PracticeId::try_from(id).unwrap(),
            name: name.to_owned(),
        }
    }

    #[test]
    fn one_practice_is_used_without_asking_and_none_lets_the_api_decide() {
        let only = practice("riverside", "Riverside Surgery");
        assert_eq!(
            start(std::slice::from_ref(&only), None),
            Start::Use(only.clone())
        );
        assert_eq!(
            start(std::slice::from_ref(&only), Some("north")),
            Start::Use(only)
        );
        assert_eq!(start(&[], Some("north")), Start::Unnamed);
        assert!(!may_switch(&[practice("riverside", "R")]));
    }

    #[test]
    fn several_practices_ask_unless_a_listed_one_is_remembered() {
        let list = [
            practice("north", "North"),
            practice("riverside", "Riverside"),
        ];
        assert_eq!(start(&list, None), Start::Ask);
        assert_eq!(start(&list, Some("south")), Start::Ask, "no longer theirs");
        assert_eq!(start(&list, Some("riverside")), Start::Use(list[1].clone()));
        assert!(may_switch(&list));
    }
}
