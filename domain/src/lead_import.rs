//! Importing leads from CSV: the file is read whole, every row is checked the way a typed lead
//! is, and the import is all-or-nothing, so a preview can list each row's problems before
//! anything is written.

use crate::RuleViolation;
use crate::lead::{NewLead, validate_new_lead};

/// At most this many leads in one import (the request body limit allows about that many).
pub const MAX_ROWS: usize = 500;

/// One data row of the file: its line number as a spreadsheet shows it (the header is line
/// 1), the lead it describes or what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    pub line: usize,
    /// What the row says, for the preview even when it is invalid.
    pub company: String,
    pub email: String,
    /// Teammates' imports pass each lead to the partner with this key.
    pub partner_key: Option<String>,
    /// The row's other columns, by header name: answers to the group's custom lead fields.
    pub extra: Vec<(String, String)>,
    pub lead: Result<NewLead, Vec<String>>,
}

/// The columns of a lead itself; any other column is an answer to a custom field.
const LEAD_COLUMNS: &[&str] = &[
    "company",
    "email",
    "contact_name",
    "domain",
    "notes",
    "partner_key",
];

/// Whether an import writes: only when confirmed, and never while a row is wrong (all rows
/// or none).
pub fn writes(confirmed: bool, rows: usize, invalid: usize) -> Result<bool, RuleViolation> {
    if confirmed && invalid > 0 {
        return Err(RuleViolation::new(format!(
            "Nothing was imported: {invalid} of {rows} rows need fixing first"
        )));
    }
    Ok(confirmed)
}

/// Splits CSV text into records (RFC 4180: comma separated, `"` quotes, `""` inside quotes,
/// CRLF or LF line ends). Blank lines are skipped.
pub fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, RuleViolation> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut line = 1;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, '"') => {
                return Err(RuleViolation::new(format!(
                    "Line {line}: a quote in the middle of a field; put the whole field in quotes"
                )));
            }
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n' | '\r') => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.trim().is_empty()) {
                    records.push(std::mem::take(&mut record));
                }
                record.clear();
                line += 1;
            }
            (false, c) => field.push(c),
        }
    }
    if quoted {
        return Err(RuleViolation::new(format!(
            "Line {line}: a quoted field is not closed"
        )));
    }
    record.push(field);
    if record.iter().any(|f| !f.trim().is_empty()) {
        records.push(record);
    }
    Ok(records)
}

/// Reads a leads file. The header names the columns (any order, any case): `company` and
/// `email` are required; `contact_name`, `domain` and `notes` are optional; `partner_key` is
/// required when `with_partner_key` (a teammate's import) and refused otherwise.
pub fn read_import(text: &str, with_partner_key: bool) -> Result<Vec<ImportLine>, RuleViolation> {
    let records = parse_csv(text)?;
    let Some((header, rows)) = records.split_first() else {
        return Err(RuleViolation::new(
            "The file is empty; the first line names the columns",
        ));
    };
    let names: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_lowercase().replace([' ', '-'], "_"))
        .collect();
    let column = |name: &str| names.iter().position(|n| n == name);
    let mut required = vec!["company", "email"];
    if with_partner_key {
        required.push("partner_key");
    } else if column("partner_key").is_some() {
        return Err(RuleViolation::new(
            "Remove the partner_key column: your leads are registered for your team",
        ));
    }
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|n| column(n).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(RuleViolation::new(format!(
            "The first line must name the columns; missing: {}",
            missing.join(", ")
        )));
    }
    if rows.is_empty() {
        return Err(RuleViolation::new("The file has a header but no leads"));
    }
    if rows.len() > MAX_ROWS {
        return Err(RuleViolation::new(format!(
            "At most {MAX_ROWS} leads in one file; this one has {}",
            rows.len()
        )));
    }
    let cell = |row: &Vec<String>, name: &str| {
        column(name)
            .and_then(|i| row.get(i))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut seen_emails: Vec<String> = Vec::new();
    Ok(rows
        .iter()
        .enumerate()
        .map(|(index, row)| {
            let company = cell(row, "company");
            let email = cell(row, "email");
            let partner_key = with_partner_key.then(|| cell(row, "partner_key"));
            let mut errors: Vec<String> = Vec::new();
            if row.len() > names.len() {
                errors.push(format!("{} values for {} columns", row.len(), names.len()));
            }
            if partner_key.as_deref() == Some("") {
                errors.push("Give the partner key to pass this lead to".to_owned());
            }
            let lead = validate_new_lead(
                &company,
                &cell(row, "contact_name"),
                &email,
                &cell(row, "domain"),
                &cell(row, "notes"),
            );
            let lead = match lead {
                Ok(lead) if seen_emails.contains(&lead.email) => {
                    errors.push("The same email is on an earlier line".to_owned());
                    Ok(lead)
                }
                Ok(lead) => {
                    seen_emails.push(lead.email.clone());
                    Ok(lead)
                }
                Err(fields) => {
                    errors.extend(fields.into_iter().map(|(_, message)| message));
                    Err(())
                }
            };
            let extra = names
                .iter()
                .enumerate()
                .filter(|(_, n)| !LEAD_COLUMNS.contains(&n.as_str()))
                .map(|(i, n)| {
                    (
                        n.clone(),
                        row.get(i).map(|v| v.trim().to_owned()).unwrap_or_default(),
                    )
                })
                .collect();
            ImportLine {
                line: index + 2,
                company,
                email,
                partner_key,
                extra,
                lead: match lead {
                    Ok(lead) if errors.is_empty() => Ok(lead),
                    _ => Err(errors),
                },
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn quoted_fields_commas_and_line_ends() {
        let text = "company,email,notes\r\n\"Acme, Inc.\",a@acme.example,\"said \"\"hi\"\"\nthen left\"\n\nBeta,b@beta.example,\n";
        let records = parse_csv(text).unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(
            records[1],
            ["Acme, Inc.", "a@acme.example", "said \"hi\"\nthen left"]
        );
        assert_eq!(records[2], ["Beta", "b@beta.example", ""]);
        assert!(parse_csv("a,\"open\nb").is_err());
        assert!(parse_csv("a,b\"c\n").is_err());
    }

    #[test]
    fn rows_are_checked_like_typed_leads() {
        let text = "Email,Company,Contact Name,Domain\nann@contoso.example,Contoso,Ann,\nbad-email,,Bob,\nann@contoso.example,Contoso again,Ann,\n";
        let lines = read_import(text, false).unwrap();
        assert_eq!(lines.len(), 3);
        let ok = lines[0].lead.as_ref().unwrap();
        assert!(lines[0].extra.is_empty());
        let extra = read_import("company,email,Industry\nA,a@a.example,Retail\n", false).unwrap();
        assert_eq!(
            extra[0].extra,
            [("industry".to_owned(), "Retail".to_owned())]
        );
        assert_eq!(ok.domain.as_deref(), Some("contoso.example"));
        assert_eq!(ok.contact_name, "Ann");
        assert_eq!(lines[1].line, 3);
        assert_eq!(
            lines[1].lead.as_ref().unwrap_err().len(),
            2,
            "company and email"
        );
        assert_eq!(
            lines[2].lead.as_ref().unwrap_err(),
            &vec!["The same email is on an earlier line".to_owned()]
        );
    }

    #[test]
    fn all_rows_or_none() {
        assert_eq!(writes(false, 3, 1), Ok(false));
        assert_eq!(writes(true, 3, 0), Ok(true));
        assert!(writes(true, 3, 1).is_err());
    }

    #[test]
    fn the_header_decides_the_columns() {
        assert!(read_import("", false).is_err());
        assert!(read_import("company,email\n", false).is_err());
        assert!(read_import("company\nAcme\n", false).is_err());
        assert!(read_import("company,email,partner_key\nA,a@a.example,k\n", false).is_err());
        let lines = read_import("company,email,partner_key\nA,a@a.example,\n", true).unwrap();
        assert!(
            lines[0].lead.is_err(),
            "a teammate's row needs a partner key"
        );
        let too_many = format!("company,email\n{}", "A,a@a.example\n".repeat(MAX_ROWS + 1));
        assert!(read_import(&too_many, false).is_err());
    }

    proptest! {
        /// Any table of fields written as CSV (quoting every field) reads back the same.
        #[test]
        fn written_csv_reads_back(rows in proptest::collection::vec(proptest::collection::vec("[a-z ,\"\n]{0,8}", 2..4), 1..6)) {
            let width = rows[0].len();
            let rows: Vec<Vec<String>> = rows.into_iter().map(|mut r| { r.resize(width, "x".into()); r }).collect();
            let text: String = rows.iter().map(|r| {
                r.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect::<Vec<_>>().join(",") + "\r\n"
            }).collect();
            let expected: Vec<Vec<String>> = rows.into_iter().filter(|r| r.iter().any(|f| !f.trim().is_empty())).collect();
            prop_assert_eq!(parse_csv(&text).unwrap(), expected);
        }
    }
}
