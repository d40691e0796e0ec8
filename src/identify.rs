//! Direct identifiers kept out of published labels: the rules, by name and by content. A
//! leaf (names and values in, findings out); the plan checks names with them when it is
//! made (`plan::identifying`), and the validate stage checks content right after ingest
//! ([`crate::validate::identifying`]).
//!
//! A report publishes every subgroup label of a `by` column (and every outcome level), so a
//! column of e-mail addresses used as `by` would publish one address per subgroup. A column
//! that looks like a *direct identifier* is therefore refused as the `by` or `outcome` of an
//! analysis, unless the pipeline declares it safe with
//! `[disclosure] allow_identifying = ["column"]`.
//!
//! ## Why these rules
//!
//! Output-checking guidance treats direct identifiers as never releasable, whatever the
//! cell sizes: the Eurostat / Data without Boundaries *Guidelines for the checking of output
//! based on microdata research* (Bond, Brandt and de Wolf, 2015) and the *Handbook on
//! Statistical Disclosure Control for Outputs* of the Safe Data Access Professionals group
//! (Griffiths et al., 2019; ONS, UK Data Service and others). The GDPR (Art. 4(1)) names
//! "an identifier such as a name, an identification number, location data, an online
//! identifier" as what makes a person identifiable, and Recital 30 lists IP addresses among
//! online identifiers. The US HIPAA Safe Harbor list (45 CFR 164.514(b)(2)) spells out the
//! usual ones: names, small geographic units and postcodes, dates such as the date of
//! birth, telephone numbers, e-mail and IP addresses, record and other identifying numbers.
//!
//! ## The rules
//!
//! **By name** (checked when the pipeline is planned, so `tally check` reports it without
//! data). The column name, as the pipeline uses it, is split into words at every character
//! that is not a letter or digit, at lower-to-upper case changes (`respondentId`,
//! `IPAddress`) and between letters and digits; the words are matched case-insensitively
//! and whole, so `get_provider`, `severity`, `valid`, `idea`, `paid` and `hidden` never
//! match `id`. See [`NAME_RULES`] for the words: e-mail (`email`, `e-mail`, `mail`), IP
//! address (`ip`), NHS number, date of birth (`dob`, `date of birth`, `birth date`),
//! identifier (`id`, `uuid`, `guid`, `respondentid`, ...), name (`name`, `first name`,
//! `surname`, ...), phone (`phone`, `mobile`, `tel`, ...), address (`address`, `postcode`,
//! `zip`, ...).
//!
//! **By content** (checked right after ingest, on the distinct tuples of the needed columns
//! with their respondent counts, never on rows, so the cost does not grow with the file). For
//! each analysis, the respondents in its denominator filter with a value in the column are
//! looked at, through the labels the report would publish: the recode target of a mapped
//! value, the raw value otherwise (unmapped values are listed in the report). A column is
//! refused when
//!
//! - **unique**: it has more than [`UNIQUE_MIN_RESPONDENTS`] respondents and distinct values
//!   for at least [`UNIQUE_SHARE`] (90%) of them: a value per respondent, which is what an
//!   identifier is;
//! - **e-mail**: any value is or holds an e-mail address (`local@domain.tld`): an e-mail
//!   address is never a category label;
//! - **IP address**: any value is an IPv4 or IPv6 address (parsed by the standard library);
//! - **phone**: at least [`PHONE_SHARE`] (half) of the respondents' values look like phone
//!   numbers (9 to 15 digits, only `+`, spaces, `-`, `.`, `(`, `)` besides): a long digit
//!   string can be a legitimate code, so one is not enough;
//! - **free text**: the median value (over respondents) is longer than
//!   [`FREE_TEXT_MEDIAN_CHARS`] characters or [`FREE_TEXT_MEDIAN_WORDS`] words, and there are
//!   more than [`FREE_TEXT_MIN_DISTINCT`] distinct values: closed questions can have long
//!   options, but few of them.
//!
//! A `by` column with more than [`MANY_LEVELS`] distinct values among the analysed
//! respondents gets a warning (not an error): each value becomes a published subgroup.
//!
//! Messages name the analysis and its key, the column, the rule and the evidence as counts;
//! they never print a value of the column.

/// The unique rule needs more than this many respondents with a value.
pub const UNIQUE_MIN_RESPONDENTS: u64 = 20;
/// The unique rule: distinct values / respondents at least this.
pub const UNIQUE_SHARE: f64 = 0.9;
/// The phone rule: share of respondents whose value looks like a phone number.
pub const PHONE_SHARE: f64 = 0.5;
/// The free-text rule: median length in characters over this...
pub const FREE_TEXT_MEDIAN_CHARS: usize = 40;
/// ... or median number of words over this ...
pub const FREE_TEXT_MEDIAN_WORDS: usize = 8;
/// ... with more than this many distinct values.
pub const FREE_TEXT_MIN_DISTINCT: usize = 20;
/// A `by` column with more distinct values than this gets a warning.
pub const MANY_LEVELS: usize = 50;

/// The pipeline key that declares columns safe.
pub const ALLOW_KEY: &str = "disclosure.allow_identifying";

/// One name rule: what the column would hold, and the words (or phrases) that say so.
pub struct NameRule {
    pub what: &'static str,
    /// Each entry is a phrase of whole words, matched in sequence.
    pub phrases: &'static [&'static [&'static str]],
}

/// The name rules, in the order they are tried (the first that matches is reported).
pub const NAME_RULES: &[NameRule] = &[
    NameRule {
        what: "an e-mail address",
        phrases: &[&["email"], &["mail"], &["emailaddress"], &["emails"]],
    },
    NameRule {
        what: "an IP address",
        phrases: &[&["ip"], &["ipaddress"], &["ipv", "4"], &["ipv", "6"]],
    },
    NameRule {
        what: "an NHS number",
        phrases: &[
            &["nhs", "number"],
            &["nhs", "no"],
            &["nhsnumber"],
            &["nhsno"],
        ],
    },
    NameRule {
        what: "a date of birth",
        phrases: &[
            &["dob"],
            &["date", "of", "birth"],
            &["birth", "date"],
            &["birthdate"],
            &["birthday"],
            &["dateofbirth"],
        ],
    },
    NameRule {
        what: "a respondent identifier",
        phrases: &[
            &["id"],
            &["ids"],
            &["uuid"],
            &["guid"],
            &["respondentid"],
            &["responseid"],
            &["participantid"],
            &["userid"],
        ],
    },
    NameRule {
        what: "a person's name",
        phrases: &[
            &["name"],
            &["names"],
            &["firstname"],
            &["lastname"],
            &["surname"],
            &["forename"],
            &["fullname"],
            &["username"],
        ],
    },
    NameRule {
        what: "a phone number",
        phrases: &[
            &["phone"],
            &["telephone"],
            &["tel"],
            &["mobile"],
            &["phonenumber"],
            &["mobilenumber"],
        ],
    },
    NameRule {
        what: "a postal address",
        phrases: &[
            &["address"],
            &["postcode"],
            &["post", "code"],
            &["postal", "code"],
            &["postalcode"],
            &["zip"],
            &["zipcode"],
            &["street"],
        ],
    },
];

/// The words of a column name, lower-cased: split at non-alphanumerics, case changes from
/// lower to upper (`respondentId`), the end of an upper-case run (`IPAddress` -> ip,
/// address) and letter/digit boundaries.
pub fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in name.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = run.chars().collect();
        let mut word = String::new();
        for (i, &c) in chars.iter().enumerate() {
            if i > 0 {
                let p = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
                let split = (p.is_lowercase() && c.is_uppercase())
                    || (p.is_uppercase() && c.is_uppercase() && next_lower)
                    || (p.is_alphabetic() != c.is_alphabetic());
                if split && !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            word.extend(c.to_lowercase());
        }
        if !word.is_empty() {
            out.push(word);
        }
    }
    out
}

/// Why a column name looks like a direct identifier: what it would hold, and the words
/// that say so (`None`: it does not).
pub fn name_finding(column: &str) -> Option<(&'static str, String)> {
    let w = words(column);
    for rule in NAME_RULES {
        for phrase in rule.phrases {
            if w.windows(phrase.len()).any(|win| win == *phrase) {
                let what = if phrase.len() == 1 { "word" } else { "words" };
                return Some((rule.what, format!("{what} `{}`", phrase.join(" "))));
            }
        }
    }
    None
}

/// Where a column is used in an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Outcome,
    By,
}

impl Role {
    /// The analysis key of the role (`outcome`, `by`).
    pub fn key(self) -> &'static str {
        match self {
            Role::Outcome => "outcome",
            Role::By => "by",
        }
    }
    /// How the report publishes the column in this role.
    pub fn published(self) -> &'static str {
        match self {
            Role::Outcome => "as its outcome (its levels are published)",
            Role::By => "as a subgroup (every subgroup label is published)",
        }
    }
}

/// The message's hint for a refused column: what to do instead, and how to declare it safe.
pub fn hint(column: &str) -> String {
    format!(
        "hint: analyse a column of categories instead (a `[recode.<column>]` table can code it into some); if `{column}` really holds no identifying values, declare it safe with `[disclosure] allow_identifying = [\"{column}\"]` (see pipelines/README.md)"
    )
}

/// What the values of one column look like, from `(value, respondents)` pairs of distinct
/// values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Respondents with a value.
    pub respondents: u64,
    pub distinct: usize,
    /// (respondents, distinct values) that are or hold an e-mail address.
    pub email: (u64, usize),
    pub ip: (u64, usize),
    pub phone: (u64, usize),
    /// Median over respondents of the value's length in characters, and in words.
    pub median_chars: usize,
    pub median_words: usize,
}

impl Stats {
    pub fn of<'a>(values: impl IntoIterator<Item = (&'a str, u64)>) -> Stats {
        let mut s = Stats::default();
        let mut chars: Vec<(usize, u64)> = Vec::new();
        let mut nwords: Vec<(usize, u64)> = Vec::new();
        for (v, n) in values {
            if n == 0 {
                continue;
            }
            s.respondents += n;
            s.distinct += 1;
            for (hit, slot) in [
                (holds_email(v), &mut s.email),
                (is_ip(v), &mut s.ip),
                (is_phone(v), &mut s.phone),
            ] {
                if hit {
                    slot.0 += n;
                    slot.1 += 1;
                }
            }
            chars.push((v.trim().chars().count(), n));
            nwords.push((v.split_whitespace().count(), n));
        }
        s.median_chars = weighted_median(&mut chars);
        s.median_words = weighted_median(&mut nwords);
        s
    }

    /// The first refusal rule the values meet: its name and the evidence, as counts.
    pub fn finding(&self) -> Option<(&'static str, String)> {
        let n = self.respondents;
        let of = |(r, d): (u64, usize)| {
            format!(
                "{r} of {n} respondents' values ({d} distinct value{})",
                if d == 1 { "" } else { "s" }
            )
        };
        if self.email.0 > 0 {
            return Some((
                "e-mail addresses",
                format!("{} are or hold an e-mail address", of(self.email)),
            ));
        }
        if self.ip.0 > 0 {
            return Some(("IP addresses", format!("{} are IP addresses", of(self.ip))));
        }
        if n > 0 && self.phone.0 as f64 >= PHONE_SHARE * n as f64 {
            return Some((
                "phone numbers",
                format!(
                    "{} look like phone numbers (the rule: at least {:.0}%)",
                    of(self.phone),
                    PHONE_SHARE * 100.0
                ),
            ));
        }
        if n > UNIQUE_MIN_RESPONDENTS && self.distinct as f64 >= UNIQUE_SHARE * n as f64 {
            return Some((
                "a value unique to almost every respondent",
                format!(
                    "{} distinct values among {n} respondents ({:.0}%; the rule: at least {:.0}% with more than {UNIQUE_MIN_RESPONDENTS} respondents)",
                    self.distinct,
                    100.0 * self.distinct as f64 / n as f64,
                    UNIQUE_SHARE * 100.0
                ),
            ));
        }
        if self.distinct > FREE_TEXT_MIN_DISTINCT
            && (self.median_chars > FREE_TEXT_MEDIAN_CHARS
                || self.median_words > FREE_TEXT_MEDIAN_WORDS)
        {
            return Some((
                "free text",
                format!(
                    "the median value is {} characters and {} words long, with {} distinct values among {n} respondents (the rule: a median over {FREE_TEXT_MEDIAN_CHARS} characters or {FREE_TEXT_MEDIAN_WORDS} words, more than {FREE_TEXT_MIN_DISTINCT} distinct values)",
                    self.median_chars, self.median_words, self.distinct
                ),
            ));
        }
        None
    }
}

/// The median of values with weights (the lower one when the total weight is even).
fn weighted_median(v: &mut [(usize, u64)]) -> usize {
    v.sort_unstable();
    let total: u64 = v.iter().map(|(_, n)| n).sum();
    let half = total.div_ceil(2);
    let mut seen = 0;
    for &(x, n) in v.iter() {
        seen += n;
        if seen >= half {
            return x;
        }
    }
    0
}

/// A value that is, or holds among its whitespace-separated parts, an e-mail address:
/// `local@domain.tld` with a non-empty local part and a dotted domain.
pub fn holds_email(value: &str) -> bool {
    value.contains('@')
        && value
            .split(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '<' | '>' | '(' | ')' | ',' | ';' | '"' | '\'' | '[' | ']'
                    )
            })
            .any(is_email)
}

fn is_email(s: &str) -> bool {
    let s = s.strip_prefix("mailto:").unwrap_or(s);
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-!#$&*/=?^`{|}~".contains(c));
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|t| t.chars().count() >= 2 && t.chars().all(char::is_alphabetic));
    local_ok && domain_ok
}

/// An IPv4 or IPv6 address (as the standard library parses them).
pub fn is_ip(value: &str) -> bool {
    let v = value.trim();
    !v.is_empty() && v.parse::<std::net::IpAddr>().is_ok()
}

/// Looks like a phone number: 9 to 15 digits (E.164 allows 15), besides them only spaces,
/// `-`, `.`, `(`, `)` and one leading `+`.
pub fn is_phone(value: &str) -> bool {
    let v = value.trim();
    let body = v.strip_prefix('+').unwrap_or(v);
    let digits = body.chars().filter(char::is_ascii_digit).count();
    (9..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(column: &str) -> Option<&'static str> {
        name_finding(column).map(|(what, _)| what)
    }

    #[test]
    fn names_split_into_words() {
        assert_eq!(words("respondentId"), ["respondent", "id"]);
        assert_eq!(words("IPAddress"), ["ip", "address"]);
        assert_eq!(words("e-mail"), ["e", "mail"]);
        assert_eq!(words("Q4_1"), ["q", "4", "1"]);
        assert_eq!(words("email2"), ["email", "2"]);
        assert_eq!(words("worse/Brain fog"), ["worse", "brain", "fog"]);
        assert_eq!(words("RecipientFirstName"), ["recipient", "first", "name"]);
    }

    #[test]
    fn identifying_names_are_found() {
        for (column, what) in [
            ("email", "an e-mail address"),
            ("E-mail", "an e-mail address"),
            ("contact_mail", "an e-mail address"),
            ("EmailAddress", "an e-mail address"),
            ("id", "a respondent identifier"),
            ("ID", "a respondent identifier"),
            ("respondent_id", "a respondent identifier"),
            ("RespondentID", "a respondent identifier"),
            ("respondentid", "a respondent identifier"),
            ("uuid", "a respondent identifier"),
            ("name", "a person's name"),
            ("first_name", "a person's name"),
            ("FirstName", "a person's name"),
            ("surname", "a person's name"),
            ("phone", "a phone number"),
            ("mobile", "a phone number"),
            ("tel", "a phone number"),
            ("address", "a postal address"),
            ("home address", "a postal address"),
            ("postcode", "a postal address"),
            ("post_code", "a postal address"),
            ("zip", "a postal address"),
            ("ip", "an IP address"),
            ("ip_address", "an IP address"),
            ("IPAddress", "an IP address"),
            ("nhs_number", "an NHS number"),
            ("NHSNumber", "an NHS number"),
            ("date_of_birth", "a date of birth"),
            ("dateOfBirth", "a date of birth"),
            ("dob", "a date of birth"),
            ("DOB", "a date of birth"),
        ] {
            assert_eq!(rule(column), Some(what), "{column}");
        }
        assert_eq!(
            name_finding("date_of_birth").unwrap().1,
            "words `date of birth`"
        );
        assert_eq!(name_finding("respondent_id").unwrap().1, "word `id`");
    }

    #[test]
    fn near_misses_are_not_identifiers() {
        for column in [
            "provider",
            "get_provider",
            "severity",
            "valid",
            "idea",
            "hidden",
            "paid",
            "outcome",
            "group",
            "age_band",
            "region",
            "place",
            "treatment",
            "tried_get",
            "worse/Fatigue",
            "worse/Brain fog, memory or concentration",
            "nhs_or_private",
            "mailing",
            "hotel",
            "mobility",
            "zipper",
            "covid",
            "identity",
            "Q4_1",
            "sex",
            "weight",
        ] {
            assert_eq!(rule(column), None, "{column}");
        }
    }

    #[test]
    fn e_mail_patterns() {
        for v in [
            "jane@example.org",
            "j.doe+survey@mail.example.co.uk",
            "Jane Doe <jane@example.org>",
            "mailto:jane@example.org",
            "JANE@EXAMPLE.ORG",
        ] {
            assert!(holds_email(v), "{v}");
        }
        for v in [
            "@home",
            "a@b",
            "me@localhost",
            "at@ the clinic",
            "1@2.3",
            "improved",
            "",
            "x@y.c",
        ] {
            assert!(!holds_email(v), "{v}");
        }
    }

    #[test]
    fn ip_and_phone_patterns() {
        for v in ["192.168.0.1", " 10.0.0.255 ", "2001:db8::1", "::1"] {
            assert!(is_ip(v), "{v}");
        }
        for v in ["1.2.3", "256.1.1.1", "3.5", "2019", "improved", ""] {
            assert!(!is_ip(v), "{v}");
        }
        for v in [
            "07700 900123",
            "+44 7700 900123",
            "(020) 7946-0958",
            "020.7946.0958",
            "447700900123",
        ] {
            assert!(is_phone(v), "{v}");
        }
        for v in [
            "2019-05-01", // a date: 8 digits
            "12345678",
            "45",
            "1234567890123456", // 16 digits: more than E.164 allows
            "07700 900123 ext",
            "+44+7700900123",
            "",
        ] {
            assert!(!is_phone(v), "{v}");
        }
    }

    fn stats(values: &[(&str, u64)]) -> Stats {
        Stats::of(values.iter().copied())
    }

    fn rule_of(values: &[(&str, u64)]) -> Option<&'static str> {
        stats(values).finding().map(|(r, _)| r)
    }

    #[test]
    fn any_e_mail_or_ip_is_refused_with_counts_not_values() {
        let v = [("improved", 30), ("jane@example.org", 1)];
        let (rule, evidence) = stats(&v).finding().unwrap();
        assert_eq!(rule, "e-mail addresses");
        assert_eq!(
            evidence,
            "1 of 31 respondents' values (1 distinct value) are or hold an e-mail address"
        );
        assert!(!evidence.contains("jane"));
        assert_eq!(rule_of(&[("a", 5), ("10.1.2.3", 1)]), Some("IP addresses"));
    }

    #[test]
    fn phone_numbers_need_half_of_the_respondents() {
        let half = [("07700 900123", 5), ("none", 5)];
        assert_eq!(rule_of(&half), Some("phone numbers"));
        let few = [("07700 900123", 4), ("none", 6)];
        assert_eq!(rule_of(&few), None);
    }

    #[test]
    fn unique_values_need_90_percent_of_more_than_20_respondents() {
        let labels: Vec<String> = (0..30).map(|i| format!("r{i}")).collect();
        // 21 respondents, 19 distinct values: 90.5%.
        let mut v: Vec<(&str, u64)> = labels[..18].iter().map(|l| (l.as_str(), 1)).collect();
        v.push(("r18", 3));
        assert_eq!(stats(&v).respondents, 21);
        let (rule, evidence) = stats(&v).finding().unwrap();
        assert_eq!(rule, "a value unique to almost every respondent");
        assert!(
            evidence.starts_with("19 distinct values among 21 respondents (90%"),
            "{evidence}"
        );
        // 21 respondents, 18 distinct values: 85.7%.
        let mut v: Vec<(&str, u64)> = labels[..17].iter().map(|l| (l.as_str(), 1)).collect();
        v.push(("r17", 4));
        assert_eq!(rule_of(&v), None);
        // 20 respondents, all distinct: too few to say.
        let v: Vec<(&str, u64)> = labels[..20].iter().map(|l| (l.as_str(), 1)).collect();
        assert_eq!(rule_of(&v), None);
    }

    #[test]
    fn free_text_is_long_and_varied() {
        let long: Vec<String> = (0..25)
            .map(|i| format!("answer {i}: it made my fatigue much worse for weeks"))
            .collect();
        // 25 long distinct values, each given by 2 respondents (not unique to one).
        let v: Vec<(&str, u64)> = long.iter().map(|l| (l.as_str(), 2)).collect();
        assert_eq!(rule_of(&v), Some("free text"));
        // The same long values, but only 20 of them: a closed question's options.
        assert_eq!(rule_of(&v[..20]), None);
        // Many short distinct values given by several respondents: categories.
        let short: Vec<String> = (0..25).map(|i| format!("clinic {i}")).collect();
        let v: Vec<(&str, u64)> = short.iter().map(|l| (l.as_str(), 3)).collect();
        assert_eq!(rule_of(&v), None);
        // Long options of a closed question (the raw SurveyMonkey answers).
        let v = [
            ("A health professional who does not specialise in M.E.", 40),
            ("An M.E. specialist", 30),
            ("Someone else / I don't know", 5),
        ];
        assert_eq!(rule_of(&v), None);
    }

    #[test]
    fn medians_are_weighted_by_respondents() {
        let s = stats(&[("a", 10), ("a much longer value here", 1)]);
        assert_eq!((s.median_chars, s.median_words), (1, 1));
        assert_eq!(weighted_median(&mut []), 0);
        assert_eq!(weighted_median(&mut [(3, 1), (1, 1)]), 1);
    }
}
