//! Did-you-mean: the closest known name to a misspelt one.

/// The candidate nearest to `word`, if it is near enough to be a plausible typo: at most
/// one edit for short words, a third of the length for long ones.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.is_empty() {
        return None;
    }
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_near_misses_only() {
        assert_eq!(closest("alow", ["allow", "account"]), Some("allow"));
        assert_eq!(closest("namepsace", ["namespace"]), Some("namespace"));
        assert_eq!(closest("zzz", ["allow"]), None);
        assert_eq!(closest("", ["a"]), None);
    }
}
