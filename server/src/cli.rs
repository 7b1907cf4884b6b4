//! Command-line options of the binary's commands.

use std::collections::BTreeMap;

/// `--flag value` pairs (also `--flag=value`), each of `known` at most once; anything else is
/// named in the error.
pub fn options(args: &[String], known: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let mut found = BTreeMap::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let (flag, value) = match arg.split_once('=') {
            Some((flag, value)) => (flag, Some(value.to_owned())),
            None => (arg.as_str(), None),
        };
        if !known.contains(&flag) {
            return Err(format!("unknown option {arg:?}"));
        }
        let value = match value.or_else(|| rest.next().cloned()) {
            Some(v) => v,
            None => return Err(format!("{flag} needs a value")),
        };
        if found.insert(flag.to_owned(), value).is_some() {
            return Err(format!("{flag} is given twice"));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn reads_pairs_and_names_what_is_wrong() {
        let known = ["--name", "--owner-email"];
        let o = options(
            &args(&["--name", "Acme Co", "--owner-email=a@b.example"]),
            &known,
        )
        .unwrap();
        assert_eq!(o["--name"], "Acme Co");
        assert_eq!(o["--owner-email"], "a@b.example");
        assert_eq!(
            options(&args(&["--nme", "x"]), &known).unwrap_err(),
            "unknown option \"--nme\""
        );
        assert_eq!(
            options(&args(&["--name"]), &known).unwrap_err(),
            "--name needs a value"
        );
        assert_eq!(
            options(&args(&["--name", "a", "--name", "b"]), &known).unwrap_err(),
            "--name is given twice"
        );
    }
}
