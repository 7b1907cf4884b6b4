//! A new vendor company: what `server create-company` and the first-run page `/setup` check
//! before they write anything (its first owner's set-password link is `password_link`'s).

use serde::{Deserialize, Serialize};

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

/// What is wrong with one field of a new company. `field` is the form's input name and, with
/// dashes, the command's option (`owner_email`, `--owner-email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Problem {
            field,
            message: message.into(),
        }
    }

    /// The line the command prints: `--owner-email: …`.
    pub fn option_line(&self) -> String {
        format!("--{}: {}", self.field.replace('_', "-"), self.message)
    }
}

/// A company's name, trimmed; a problem when it is empty or over 100 characters.
fn company_name<'a>(name: &'a str, problems: &mut Vec<Problem>) -> &'a str {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(Problem::new(
            "name",
            "a company name is 1 to 100 characters",
        ));
    }
    name
}

/// Checks every field and names each problem (what the command prints before exiting 2, and
/// what the set-up page shows beside each field).
pub fn validate_new_company(
    name: &str,
    owner_email: &str,
    owner_name: &str,
) -> Result<NewCompany, Vec<Problem>> {
    let mut problems = Vec::new();
    let name = company_name(name, &mut problems);
    let owner_email = normalize_email(owner_email)
        .map_err(|e| problems.push(Problem::new("owner_email", e.0)))
        .ok();
    let owner_name = validate_person_name(owner_name)
        .map_err(|e| problems.push(Problem::new("owner_name", e.0)))
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
        let text: Vec<String> = problems.iter().map(Problem::option_line).collect();
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

/// How a company shows itself on the pages its partners see (`/vendor/company`): its name,
/// brand colour, logo and the address partners write to for help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    pub name: String,
    /// `#rrggbb`, lowercase.
    pub brand_color: Option<String>,
    /// An `https://` image address.
    pub logo_url: Option<String>,
    pub support_email: Option<String>,
}

/// Checks the company settings form; empty optional fields are unset. Each problem names its
/// field.
pub fn validate_branding(
    name: &str,
    brand_color: &str,
    logo_url: &str,
    support_email: &str,
) -> Result<Branding, Vec<Problem>> {
    let mut problems = Vec::new();
    let name = company_name(name, &mut problems);
    let optional = |text: &str| {
        Some(text.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    let brand_color = optional(brand_color).and_then(|c| match parse_color(&c) {
        Some(rgb) => Some(format!("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2])),
        None => {
            problems.push(Problem::new(
                "brand_color",
                "a colour is # and six hexadecimal digits, such as #1d4ed8",
            ));
            None
        }
    });
    let logo_url = optional(logo_url).and_then(|url| {
        let host = url
            .strip_prefix("https://")
            .and_then(|rest| rest.split(['/', '?', '#']).next())
            .unwrap_or_default();
        let safe = url.len() <= 500
            && !host.is_empty()
            && !url
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "\"'<>\\".contains(c));
        if safe {
            Some(url)
        } else {
            problems.push(Problem::new(
                "logo_url",
                "a logo is an https:// address of an image, up to 500 characters",
            ));
            None
        }
    });
    let support_email = optional(support_email).and_then(|email| match normalize_email(&email) {
        Ok(email) => Some(email),
        Err(e) => {
            problems.push(Problem::new("support_email", e.0));
            None
        }
    });
    if problems.is_empty() {
        Ok(Branding {
            name: name.to_owned(),
            brand_color,
            logo_url,
            support_email,
        })
    } else {
        Err(problems)
    }
}

/// Whether `text` is a colour as stored, `#rrggbb`.
pub fn is_color(text: &str) -> bool {
    parse_color(text).is_some()
}

/// `#rrggbb` (either case) as its three channels.
fn parse_color(text: &str) -> Option<[u8; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// The text colour that reads best on `brand_color` by WCAG's contrast ratio: white or the
/// UI's near-black. A colour that does not parse gets white (it is never stored).
pub fn text_on(brand_color: &str) -> &'static str {
    match parse_color(brand_color) {
        Some(rgb) if contrast(rgb, DARK_TEXT) > contrast(rgb, [255, 255, 255]) => "#111827",
        _ => "#ffffff",
    }
}

/// The UI's dark text, `#111827`.
const DARK_TEXT: [u8; 3] = [0x11, 0x18, 0x27];

/// WCAG 2 relative luminance of an sRGB colour.
fn luminance(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// WCAG 2 contrast ratio of two colours, from 1 to 21.
fn contrast(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod branding_tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn settings_are_checked_field_by_field() {
        let b = validate_branding(" Acme ", "#1D4ED8", "https://cdn.acme.example/logo.png", "")
            .unwrap();
        assert_eq!(b.name, "Acme");
        assert_eq!(b.brand_color.as_deref(), Some("#1d4ed8"));
        assert_eq!(b.support_email, None);
        let problems =
            validate_branding("", "blue", "http://acme.example/logo.png", "not-an-email")
                .unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "brand_color", "logo_url", "support_email"]);
        for bad in [
            "https://",
            "https://a.example/x\" onerror=\"y",
            "javascript:alert(1)",
            "https://a.example/<svg>",
        ] {
            assert!(validate_branding("Acme", "", bad, "").is_err(), "{bad}");
        }
    }

    #[test]
    fn text_reads_on_dark_and_light_brands() {
        assert_eq!(text_on("#1d4ed8"), "#ffffff");
        assert_eq!(text_on("#000000"), "#ffffff");
        assert_eq!(text_on("#facc15"), "#111827");
        assert_eq!(text_on("#ffffff"), "#111827");
    }

    proptest! {
        /// The chosen text colour is the one of the two with more contrast, and always
        /// readable for large text (WCAG's 3:1) on any brand colour.
        #[test]
        fn the_text_colour_has_the_better_contrast(r in 0u8.., g in 0u8.., b in 0u8..) {
            let color = format!("#{r:02x}{g:02x}{b:02x}");
            let chosen = parse_color(text_on(&color)).unwrap();
            let other = if chosen == DARK_TEXT { [255, 255, 255] } else { DARK_TEXT };
            let rgb = [r, g, b];
            prop_assert!(contrast(rgb, chosen) >= contrast(rgb, other));
            prop_assert!(contrast(rgb, chosen) >= 3.0);
        }
    }
}
