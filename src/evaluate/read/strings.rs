//! A list of strings as the policies write it. Istio reads an absent, `null` or empty
//! list alike as "not set"; every kind's fields are read through [`set`] so that they all
//! agree.

/// A list of strings; `None` when absent, `null` or empty (Istio treats all as "not set").
pub(crate) type Strings = Option<Vec<String>>;

pub(crate) fn set(list: Strings) -> Strings {
    list.filter(|l| !l.is_empty())
}
