//! Serde for fields typed with a domain enum that cross the wire by their stored name
//! ([`StoredName`]): `#[serde(with = "crate::stored")] pub status: PartnershipStatus` is sent
//! as `"active"`, the same text the database holds, so the JSON is what it was when such
//! fields were `String`s. The enums' own derives (variant names, used by stored event
//! payloads) are left alone; unknown names fail deserialization with the domain's message.
//!
//! [`option`] does the same for `Option<T>` (`null` for `None`).

use domain::StoredName;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

pub fn serialize<T: StoredName, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.as_str())
}

pub fn deserialize<'de, T: StoredName, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    T::parse(&text).map_err(D::Error::custom)
}

/// [`crate::stored`] for optional fields: `None` is `null`.
pub mod option {
    use super::*;

    pub fn serialize<T: StoredName, S: Serializer>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.serialize_some(value.as_str()),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, T: StoredName, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => T::parse(&text).map(Some).map_err(D::Error::custom),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::deal::DealStage;
    use domain::partnership::PartnershipStatus;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Typed {
        #[serde(with = "crate::stored")]
        status: PartnershipStatus,
        #[serde(with = "crate::stored::option")]
        stage: Option<DealStage>,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct AsText {
        status: String,
        stage: Option<String>,
    }

    #[test]
    fn typed_fields_send_the_same_json_as_text() {
        for (status, stage) in [
            (PartnershipStatus::Active, Some(DealStage::ClosedWon)),
            (PartnershipStatus::Applied, None),
        ] {
            let typed = Typed { status, stage };
            let text = AsText {
                status: status.as_str().to_owned(),
                stage: stage.map(|s| s.as_str().to_owned()),
            };
            let json = serde_json::to_string(&typed).unwrap();
            assert_eq!(json, serde_json::to_string(&text).unwrap());
            assert_eq!(serde_json::from_str::<Typed>(&json).unwrap(), typed);
        }
        assert_eq!(
            serde_json::to_string(&Typed {
                status: PartnershipStatus::Suspended,
                stage: Some(DealStage::InProgress),
            })
            .unwrap(),
            r#"{"status":"suspended","stage":"in_progress"}"#
        );
    }

    #[test]
    fn unknown_names_are_rejected() {
        let err = serde_json::from_str::<Typed>(r#"{"status":"Active","stage":null}"#).unwrap_err();
        assert!(
            err.to_string()
                .contains("Unknown partnership status: Active"),
            "{err}"
        );
        assert!(serde_json::from_str::<Typed>(r#"{"status":"active","stage":"won"}"#).is_err());
    }
}
