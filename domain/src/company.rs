//! A new vendor company: what `server create-company` checks before it writes anything (its
//! first owner's set-password link is `password_link`'s).

use crate::RuleViolation;
use crate::identity::normalize_email;
use crate::invite::validate_person_name;

/// A company to create, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    pub name: String,
    pub owner_email: String,
    pub owner_name: String,
    /// Its first program's name: "<company> partner program".
    pub program_name: String,
}

/// Checks every field and names each problem (what the command prints before exiting 2).
pub fn validate_new_company(
    name: &str,
    owner_email: &str,
    owner_name: &str,
) -> Result<NewCompany, Vec<RuleViolation>> {
    let mut problems = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(RuleViolation::new(
            "--name: a company name is 1 to 100 characters",
        ));
    }
    let owner_email = normalize_email(owner_email)
        .map_err(|e| problems.push(RuleViolation::new(format!("--owner-email: {e}"))))
        .ok();
    let owner_name = validate_person_name(owner_name)
        .map_err(|e| problems.push(RuleViolation::new(format!("--owner-name: {e}"))))
        .ok();
    match (owner_email, owner_name) {
        (Some(owner_email), Some(owner_name)) if problems.is_empty() => Ok(NewCompany {
            name: name.to_owned(),
            owner_email,
            owner_name,
            program_name: format!("{name} partner program"),
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named() {
        let problems = validate_new_company(" ", "not-an-email", "").unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.0.clone()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].starts_with("--name"));
        assert!(text[1].starts_with("--owner-email"));
        assert!(text[2].starts_with("--owner-name"));
    }

    #[test]
    fn a_good_company_is_trimmed_and_gets_a_program_name() {
        let c = validate_new_company(" Contoso ", "Ann@Contoso.COM", " Ann Lee ").unwrap();
        assert_eq!(c.name, "Contoso");
        assert_eq!(c.owner_email, "ann@contoso.com");
        assert_eq!(c.owner_name, "Ann Lee");
        assert_eq!(c.program_name, "Contoso partner program");
    }
}
