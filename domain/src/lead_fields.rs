//! A group's custom lead fields: extra questions partners in that group answer when they
//! register a lead (text, a number, or one of a list), each required or not.

use serde::{Deserialize, Serialize};

/// At most this many custom fields per group.
pub const MAX_FIELDS: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FieldKind {
    Text,
    Number,
    Select { options: Vec<String> },
}

impl FieldKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Select { .. } => "select",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadField {
    /// Made from the label; names the value in forms, CSV columns and storage.
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
}

/// Checks a new field for a group that already has `existing`.
pub fn define_field(
    label: &str,
    kind: &str,
    options: &str,
    required: bool,
    existing: &[LeadField],
) -> Result<LeadField, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let label = label.trim();
    let key: String = label
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect::<String>()
        .split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_");
    if label.is_empty() || label.chars().count() > 60 || key.is_empty() {
        errors.push((
            "label",
            "Give the field a name of 1 to 60 characters with letters or digits".to_owned(),
        ));
    } else if RESERVED.contains(&key.as_str()) || existing.iter().any(|f| f.key == key) {
        errors.push(("label", format!("The group already asks for \"{label}\"")));
    }
    if existing.len() >= MAX_FIELDS {
        errors.push((
            "label",
            format!("A group has at most {MAX_FIELDS} custom fields"),
        ));
    }
    let kind = match kind.trim() {
        "text" => Some(FieldKind::Text),
        "number" => Some(FieldKind::Number),
        "select" => {
            let mut list: Vec<String> = Vec::new();
            for option in options.split(',').map(str::trim).filter(|o| !o.is_empty()) {
                if !list.iter().any(|o| o.eq_ignore_ascii_case(option)) {
                    list.push(option.to_owned());
                }
            }
            if list.len() < 2 || list.iter().any(|o| o.chars().count() > 60) {
                errors.push((
                    "options",
                    "List at least two choices, separated by commas".to_owned(),
                ));
                None
            } else {
                Some(FieldKind::Select { options: list })
            }
        }
        _ => {
            errors.push(("kind", "Choose text, number or a list".to_owned()));
            None
        }
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(LeadField {
            key,
            label: label.to_owned(),
            kind,
            required,
        }),
        _ => Err(errors),
    }
}

/// The lead's own columns: a custom field cannot take their names.
const RESERVED: &[&str] = &[
    "company",
    "email",
    "contact_name",
    "domain",
    "notes",
    "partner_key",
];

/// Answers as (label, value) pairs; problems as (field key, message) pairs.
pub type Answers = Vec<(String, String)>;

/// Checks the answers to a group's fields; returns them as (label, value) pairs in field
/// order, empty optional ones left out. Errors name the field's key.
pub fn check_answers(
    fields: &[LeadField],
    answer: impl Fn(&str) -> Option<String>,
) -> Result<Answers, Answers> {
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for field in fields {
        let value = answer(&field.key)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default();
        if value.is_empty() {
            if field.required {
                errors.push((field.key.clone(), format!("{} is required", field.label)));
            }
            continue;
        }
        let problem = match &field.kind {
            FieldKind::Text if value.chars().count() > 500 => {
                Some(format!("{} is at most 500 characters", field.label))
            }
            FieldKind::Number
                if value.parse::<rust_decimal::Decimal>().is_err()
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '.' || c == '-') =>
            {
                Some(format!("{} must be a number", field.label))
            }
            FieldKind::Select { options } if !options.contains(&value) => Some(format!(
                "{} must be one of: {}",
                field.label,
                options.join(", ")
            )),
            _ => None,
        };
        match problem {
            Some(message) => errors.push((field.key.clone(), message)),
            None => values.push((field.label.clone(), value)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fields() -> Vec<LeadField> {
        let industry = define_field(
            "Industry",
            "select",
            "Retail, Health, retail, Finance",
            true,
            &[],
        )
        .unwrap();
        let seats = define_field(
            "Seats",
            "number",
            "",
            false,
            std::slice::from_ref(&industry),
        )
        .unwrap();
        vec![industry, seats]
    }

    #[test]
    fn definitions_are_checked() {
        let f = fields();
        assert_eq!(f[0].key, "industry");
        assert_eq!(
            f[0].kind,
            FieldKind::Select {
                options: vec!["Retail".into(), "Health".into(), "Finance".into()]
            }
        );
        assert!(
            define_field("industry", "text", "", false, &f).is_err(),
            "same key"
        );
        assert!(
            define_field("Email", "text", "", false, &[]).is_err(),
            "reserved"
        );
        assert!(
            define_field("Budget", "select", "One", false, &[]).is_err(),
            "one option"
        );
        assert!(define_field("Budget", "date", "", false, &[]).is_err());
        assert!(define_field("!!!", "text", "", false, &[]).is_err());
        assert_eq!(
            define_field("Budget (USD)", "number", "", false, &[])
                .unwrap()
                .key,
            "budget_usd"
        );
    }

    #[test]
    fn answers_are_checked_against_the_fields() {
        let f = fields();
        let answers = |industry: &'static str, seats: &'static str| {
            move |key: &str| match key {
                "industry" => Some(industry.to_owned()),
                "seats" => Some(seats.to_owned()),
                _ => None,
            }
        };
        assert_eq!(
            check_answers(&f, answers("Health", "25")),
            Ok(vec![
                ("Industry".into(), "Health".into()),
                ("Seats".into(), "25".into())
            ])
        );
        assert_eq!(
            check_answers(&f, answers("Health", "")),
            Ok(vec![("Industry".into(), "Health".into())])
        );
        let errors = check_answers(&f, answers("", "many")).unwrap_err();
        assert_eq!(
            errors.iter().map(|e| e.0.as_str()).collect::<Vec<_>>(),
            ["industry", "seats"]
        );
        assert!(check_answers(&f, answers("Mining", "1")).is_err());
        assert!(check_answers(&f, answers("Health", "1e3")).is_err());
    }

    proptest! {
        /// Whatever is typed, a select field only ever stores one of its options.
        #[test]
        fn select_values_are_options(value in "[A-Za-z ]{0,10}") {
            let f = fields();
            if let Ok(values) = check_answers(&f, |k| (k == "industry").then(|| value.clone())) {
                prop_assert!(["Retail", "Health", "Finance"].contains(&values[0].1.as_str()));
            }
        }
    }
}
