//! Segments: saved rules over partnerships (nested AND/OR/NOT of conditions). Membership is
//! always computed from the rule, never stored. The same rule drives the partners table's
//! filters now and offers and triggers later.
//!
//! [`Rule::matches`] is the reference evaluation; the server translates the rule to one
//! parameterised SQL condition and tests prove both agree.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;
use crate::partnership::PartnershipStatus;

pub const MAX_DEPTH: usize = 5;
pub const MAX_CONDITIONS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Every rule holds (no rules: everyone).
    All(Vec<Rule>),
    /// At least one rule holds (no rules: nobody).
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Is(Condition),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Status(PartnershipStatus),
    Group(i64),
    /// `None`: has no tier.
    Tier(Option<i64>),
    HasTag(i64),
    /// The partner team's type (`agency`, `msp`, ...).
    PartnerType(String),
    /// ISO country code; `""` matches teams without a country.
    Country(String),
    /// Joined strictly before this time (UTC ms).
    JoinedBefore(i64),
    /// Joined at or after this time (UTC ms).
    JoinedSince(i64),
    /// `None`: no partner manager assigned.
    Manager(Option<i64>),
    /// The team name or a contact's email contains this text (case-insensitive).
    Search(String),
}

/// What a rule is evaluated against.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartnershipFacts {
    pub status: Option<PartnershipStatus>,
    pub group_id: i64,
    pub tier_id: Option<i64>,
    pub tag_ids: Vec<i64>,
    pub partner_type: String,
    pub country: Option<String>,
    pub joined_at: i64,
    pub manager_id: Option<i64>,
    pub team_name: String,
    pub contact_emails: Vec<String>,
}

impl Rule {
    pub fn everyone() -> Self {
        Rule::All(Vec::new())
    }

    /// `All` of the given conditions: how the partners table's filters combine.
    pub fn all_of(conditions: impl IntoIterator<Item = Condition>) -> Self {
        Rule::All(conditions.into_iter().map(Rule::Is).collect())
    }

    pub fn matches(&self, facts: &PartnershipFacts) -> bool {
        match self {
            Rule::All(rules) => rules.iter().all(|r| r.matches(facts)),
            Rule::Any(rules) => rules.iter().any(|r| r.matches(facts)),
            Rule::Not(rule) => !rule.matches(facts),
            Rule::Is(condition) => condition.matches(facts),
        }
    }

    /// Refuses rules too deep or too large to run cheaply, and malformed values.
    pub fn validate(&self) -> Result<(), RuleViolation> {
        fn walk(rule: &Rule, depth: usize, count: &mut usize) -> Result<(), RuleViolation> {
            if depth > MAX_DEPTH {
                return Err(RuleViolation::new(format!(
                    "Rules can nest at most {MAX_DEPTH} levels"
                )));
            }
            match rule {
                Rule::All(rules) | Rule::Any(rules) => {
                    rules.iter().try_for_each(|r| walk(r, depth + 1, count))
                }
                Rule::Not(rule) => walk(rule, depth + 1, count),
                Rule::Is(condition) => {
                    *count += 1;
                    if *count > MAX_CONDITIONS {
                        return Err(RuleViolation::new(format!(
                            "A rule can have at most {MAX_CONDITIONS} conditions"
                        )));
                    }
                    condition.validate()
                }
            }
        }
        walk(self, 1, &mut 0)
    }
}

impl Condition {
    pub fn matches(&self, f: &PartnershipFacts) -> bool {
        match self {
            Condition::Status(s) => f.status == Some(*s),
            Condition::Group(g) => f.group_id == *g,
            Condition::Tier(t) => f.tier_id == *t,
            Condition::HasTag(t) => f.tag_ids.contains(t),
            Condition::PartnerType(k) => &f.partner_type == k,
            Condition::Country(c) => f.country.as_deref().unwrap_or("") == c,
            Condition::JoinedBefore(at) => f.joined_at < *at,
            Condition::JoinedSince(at) => f.joined_at >= *at,
            Condition::Manager(m) => f.manager_id == *m,
            Condition::Search(text) => {
                let needle = text.to_lowercase();
                f.team_name.to_lowercase().contains(&needle)
                    || f.contact_emails
                        .iter()
                        .any(|e| e.to_lowercase().contains(&needle))
            }
        }
    }

    fn validate(&self) -> Result<(), RuleViolation> {
        match self {
            Condition::Search(text) if text.chars().count() > 100 => {
                Err(RuleViolation::new("Search text is at most 100 characters"))
            }
            Condition::Country(c) if !(c.is_empty() || c.len() == 2) => {
                Err(RuleViolation::new("Use a two-letter country code"))
            }
            _ => Ok(()),
        }
    }
}

/// A saved segment's name: 1 to 80 characters.
pub fn validate_segment_name(name: &str) -> Result<String, RuleViolation> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(RuleViolation::new("Give the segment a name")),
        1..=80 => Ok(name.to_owned()),
        _ => Err(RuleViolation::new(
            "Segment names are at most 80 characters",
        )),
    }
}

/// The fields the rule builder offers, in its order, with their labels.
pub const BUILDER_FIELDS: [(&str, &str); 10] = [
    ("tag", "Tag"),
    ("tier", "Tier"),
    ("group", "Group"),
    ("status", "Status"),
    ("type", "Partner type"),
    ("country", "Country"),
    ("manager", "Manager"),
    ("joined_since", "Joined on or after"),
    ("joined_before", "Joined before"),
    ("search", "Name or email contains"),
];

impl Condition {
    /// The condition a builder row stands for: a field of [`BUILDER_FIELDS`] and the text of
    /// its value (ids, `none`, ISO dates); `None` while the row is incomplete or wrong.
    pub fn from_field(field: &str, value: &str) -> Option<Condition> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let id = || value.parse::<i64>().ok();
        let optional_id = || {
            if value == "none" {
                Some(None)
            } else {
                id().map(Some)
            }
        };
        // The one date parser: YYYY-MM-DD that reads back as typed (a year of any length
        // overflowed the milliseconds; found by the `segment_form` fuzz target).
        let date = || crate::time::parse_date(value).ok();
        Some(match field {
            "status" => Condition::Status(PartnershipStatus::parse(value).ok()?),
            "group" => Condition::Group(id()?),
            "tier" => Condition::Tier(optional_id()?),
            "tag" => Condition::HasTag(id()?),
            "type" => Condition::PartnerType(value.to_owned()),
            // `none`: teams that gave no country.
            "country" if value == "none" => Condition::Country(String::new()),
            "country" => Condition::Country(value.to_ascii_uppercase()),
            "joined_before" => Condition::JoinedBefore(date()?),
            "joined_since" => Condition::JoinedSince(date()?),
            "manager" => Condition::Manager(optional_id()?),
            "search" => Condition::Search(value.to_owned()),
            _ => return None,
        })
    }

    /// The builder field and value text of this condition; `from_field` reads them back.
    pub fn to_field(&self) -> (&'static str, String) {
        let optional = |v: &Option<i64>| v.map_or_else(|| "none".to_owned(), |id| id.to_string());
        match self {
            Condition::Status(s) => ("status", s.as_str().to_owned()),
            Condition::Group(g) => ("group", g.to_string()),
            Condition::Tier(t) => ("tier", optional(t)),
            Condition::HasTag(t) => ("tag", t.to_string()),
            Condition::PartnerType(k) => ("type", k.clone()),
            Condition::Country(c) if c.is_empty() => ("country", "none".to_owned()),
            Condition::Country(c) => ("country", c.clone()),
            Condition::JoinedBefore(at) => ("joined_before", crate::time::format_date(*at)),
            Condition::JoinedSince(at) => ("joined_since", crate::time::format_date(*at)),
            Condition::Manager(m) => ("manager", optional(m)),
            Condition::Search(text) => ("search", text.clone()),
        }
    }
}

/// A condition of the builder, possibly negated ("is not", "has not").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderCondition {
    pub negate: bool,
    pub condition: Condition,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuilderItem {
    Condition(BuilderCondition),
    /// A nested group: all (or any) of its conditions.
    Group {
        any: bool,
        conditions: Vec<BuilderCondition>,
    },
}

/// The shape the rule builder edits: all (or any) of conditions and of groups of conditions.
/// Every saved builder rule reads back into this shape, so saved segments can be edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuilderForm {
    pub any: bool,
    pub items: Vec<BuilderItem>,
}

impl BuilderCondition {
    fn to_rule(&self) -> Rule {
        let rule = Rule::Is(self.condition.clone());
        if self.negate {
            Rule::Not(Box::new(rule))
        } else {
            rule
        }
    }

    fn from_rule(rule: &Rule) -> Option<Self> {
        match rule {
            Rule::Is(c) => Some(Self {
                negate: false,
                condition: c.clone(),
            }),
            Rule::Not(inner) => match inner.as_ref() {
                Rule::Is(c) => Some(Self {
                    negate: true,
                    condition: c.clone(),
                }),
                _ => None,
            },
            _ => None,
        }
    }
}

impl BuilderForm {
    /// The rule; empty groups are left out (they would select nobody, or everybody).
    pub fn to_rule(&self) -> Rule {
        let combine = |any: bool, rules: Vec<Rule>| {
            if any {
                Rule::Any(rules)
            } else {
                Rule::All(rules)
            }
        };
        let rules = self
            .items
            .iter()
            .filter_map(|item| match item {
                BuilderItem::Condition(c) => Some(c.to_rule()),
                BuilderItem::Group { conditions, .. } if conditions.is_empty() => None,
                BuilderItem::Group { any, conditions } => Some(combine(
                    *any,
                    conditions.iter().map(BuilderCondition::to_rule).collect(),
                )),
            })
            .collect();
        combine(self.any, rules)
    }

    /// The builder's view of a rule; `None` for shapes it cannot show (a rule saved through
    /// the API with deeper nesting), which are then shown read-only.
    pub fn from_rule(rule: &Rule) -> Option<Self> {
        let (any, rules) = match rule {
            Rule::All(rules) => (false, rules),
            Rule::Any(rules) => (true, rules),
            single => (false, &vec![single.clone()]),
        };
        let items = rules
            .iter()
            .map(|r| match r {
                Rule::All(inner) | Rule::Any(inner) if !inner.is_empty() => {
                    Some(BuilderItem::Group {
                        any: matches!(r, Rule::Any(_)),
                        conditions: inner
                            .iter()
                            .map(BuilderCondition::from_rule)
                            .collect::<Option<_>>()?,
                    })
                }
                other => BuilderCondition::from_rule(other).map(BuilderItem::Condition),
            })
            .collect::<Option<_>>()?;
        Some(Self { any, items })
    }
}

#[cfg(test)]
pub mod strategies {
    //! Random rules and partnerships for property tests.
    use super::*;
    use proptest::prelude::*;

    pub fn condition() -> impl Strategy<Value = Condition> {
        prop_oneof![
            (0usize..5).prop_map(|i| Condition::Status(PartnershipStatus::ALL[i])),
            (1i64..4).prop_map(Condition::Group),
            proptest::option::of(1i64..4).prop_map(Condition::Tier),
            (1i64..5).prop_map(Condition::HasTag),
            prop_oneof![Just("agency"), Just("msp")].prop_map(|k| Condition::PartnerType(k.into())),
            prop_oneof![Just(""), Just("US"), Just("DE")]
                .prop_map(|c| Condition::Country(c.into())),
            (0i64..100).prop_map(Condition::JoinedBefore),
            (0i64..100).prop_map(Condition::JoinedSince),
            proptest::option::of(1i64..3).prop_map(Condition::Manager),
            prop_oneof![Just("north"), Just("ex"), Just("Z")]
                .prop_map(|s| Condition::Search(s.into())),
        ]
    }

    pub fn rule() -> impl Strategy<Value = Rule> {
        condition()
            .prop_map(Rule::Is)
            .prop_recursive(3, 24, 4, |inner| {
                prop_oneof![
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Rule::All),
                    proptest::collection::vec(inner.clone(), 0..4).prop_map(Rule::Any),
                    inner.prop_map(|r| Rule::Not(Box::new(r))),
                ]
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts() -> PartnershipFacts {
        PartnershipFacts {
            status: Some(PartnershipStatus::Active),
            group_id: 1,
            tier_id: Some(2),
            tag_ids: vec![7],
            partner_type: "agency".into(),
            country: Some("US".into()),
            joined_at: 50,
            manager_id: None,
            team_name: "Northwind Agency".into(),
            contact_emails: vec!["owner@northwind.example".into()],
        }
    }

    #[test]
    fn tag_and_tier() {
        let rule = Rule::all_of([Condition::HasTag(7), Condition::Tier(Some(2))]);
        assert!(rule.matches(&facts()));
        let rule = Rule::all_of([Condition::HasTag(7), Condition::Tier(Some(3))]);
        assert!(!rule.matches(&facts()));
    }

    #[test]
    fn nesting_and_negation() {
        let rule = Rule::Any(vec![
            Rule::Is(Condition::Country("DE".into())),
            Rule::All(vec![
                Rule::Not(Box::new(Rule::Is(Condition::HasTag(9)))),
                Rule::Is(Condition::Search("NORTH".into())),
            ]),
        ]);
        assert!(rule.matches(&facts()));
        assert!(Rule::everyone().matches(&facts()));
        assert!(!Rule::Any(vec![]).matches(&facts()));
        assert!(Rule::Is(Condition::Manager(None)).matches(&facts()));
        assert!(Rule::Is(Condition::Search("owner@".into())).matches(&facts()));
        assert!(Rule::Is(Condition::JoinedSince(50)).matches(&facts()));
        assert!(!Rule::Is(Condition::JoinedBefore(50)).matches(&facts()));
    }

    #[test]
    fn limits() {
        let mut deep = Rule::Is(Condition::Group(1));
        for _ in 0..MAX_DEPTH {
            deep = Rule::Not(Box::new(deep));
        }
        assert!(deep.validate().is_err());
        let wide = Rule::all_of((0..=MAX_CONDITIONS as i64).map(Condition::Group));
        assert!(wide.validate().is_err());
        assert!(
            Rule::Is(Condition::Country("USA".into()))
                .validate()
                .is_err()
        );
        assert!(validate_segment_name(" ").is_err());
    }

    proptest! {
        #[test]
        fn not_inverts_and_json_round_trips(rule in strategies::rule(), tag in 1i64..5, tier in proptest::option::of(1i64..4)) {
            let facts = PartnershipFacts { tag_ids: vec![tag], tier_id: tier, ..facts() };
            prop_assert_eq!(Rule::Not(Box::new(rule.clone())).matches(&facts), !rule.matches(&facts));
            let json = serde_json::to_string(&rule).unwrap();
            let back: Rule = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, rule);
        }
    }

    fn day_condition() -> impl Strategy<Value = Condition> {
        strategies::condition().prop_map(|c| match c {
            Condition::JoinedBefore(d) => Condition::JoinedBefore(d * 86_400_000),
            Condition::JoinedSince(d) => Condition::JoinedSince(d * 86_400_000),
            other => other,
        })
    }

    fn builder_form() -> impl Strategy<Value = BuilderForm> {
        let condition = (any::<bool>(), day_condition())
            .prop_map(|(negate, condition)| BuilderCondition { negate, condition })
            .boxed();
        let item = prop_oneof![
            condition.clone().prop_map(BuilderItem::Condition),
            (any::<bool>(), proptest::collection::vec(condition, 1..4))
                .prop_map(|(any, conditions)| BuilderItem::Group { any, conditions }),
        ];
        (any::<bool>(), proptest::collection::vec(item, 0..5))
            .prop_map(|(any, items)| BuilderForm { any, items })
    }

    proptest! {
        #[test]
        fn builder_fields_round_trip(condition in day_condition()) {
            let (field, value) = condition.to_field();
            prop_assert!(BUILDER_FIELDS.iter().any(|(f, _)| *f == field));
            prop_assert_eq!(Condition::from_field(field, &value), Some(condition));
        }

        #[test]
        fn builder_forms_round_trip_through_rules(form in builder_form()) {
            let rule = form.to_rule();
            let back = BuilderForm::from_rule(&rule).expect("a builder rule is editable");
            prop_assert_eq!(back.to_rule(), rule);
            // A lone condition at the top reads as "all of" that one condition.
            if form.items.len() != 1 || matches!(form.items[0], BuilderItem::Group { .. }) || !form.any {
                prop_assert_eq!(back, form);
            }
        }
    }

    #[test]
    fn builder_refuses_incomplete_rows_and_deep_rules() {
        assert_eq!(Condition::from_field("tag", " "), None);
        assert_eq!(Condition::from_field("tag", "x"), None);
        assert_eq!(Condition::from_field("joined_before", "2026-13-01"), None);
        // Found by the `segment_form` fuzz target: a year of many digits overflowed into a
        // date that did not read back.
        assert_eq!(
            Condition::from_field("joined_before", "0000000800000000000077-7-7"),
            None
        );
        assert_eq!(Condition::from_field("joined_before", "2026-1-5"), None);
        assert_eq!(Condition::from_field("nope", "1"), None);
        assert_eq!(
            Condition::from_field("tier", "none"),
            Some(Condition::Tier(None))
        );
        assert_eq!(
            Condition::from_field("joined_since", "2026-11-24"),
            Some(Condition::JoinedSince(crate::time::date_to_ms(
                2026, 11, 24
            )))
        );
        let deep = Rule::All(vec![Rule::Any(vec![Rule::All(vec![Rule::Is(
            Condition::HasTag(1),
        )])])]);
        assert_eq!(BuilderForm::from_rule(&deep), None);
    }
}
