//! The binary `control` file, merged as dpkg-gencontrol merges it.

use aptkit_control::{relations, Paragraph, Substvars};

use crate::source::DebianDir;
use crate::{Error, Result};

/// Fields taken from the source paragraph into every binary package.
const FROM_SOURCE: &[&str] = &["Maintainer", "Section", "Priority", "Homepage", "Origin", "Bugs"];

/// Fields of a binary paragraph that go into the binary package
/// (`Package`, `Architecture` and the relations are handled too).
const FROM_BINARY: &[&str] = &[
    "Package",
    "Package-Type",
    "Architecture",
    "Essential",
    "Protected",
    "Multi-Arch",
    "Section",
    "Priority",
    "Homepage",
    "Description",
    "Built-Using",
    "Static-Built-Using",
    "Tag",
    "Task",
    "Subarchitecture",
    "Kernel-Version",
    "Installer-Menu-Item",
    "Important",
];

/// Fields dpkg knows that never reach a binary package: no warning for them.
const SOURCE_ONLY: &[&str] = &["Build-Profiles", "Description-md5"];

/// dpkg's output order for binary packages (Dpkg::Control::FieldsCore);
/// other fields follow in input order.
const ORDER: &[&str] = &[
    "Package",
    "Package-Type",
    "Source",
    "Version",
    "Built-Using",
    "Static-Built-Using",
    "Kernel-Version",
    "Built-For-Profiles",
    "Architecture",
    "Subarchitecture",
    "Installer-Menu-Item",
    "Essential",
    "Protected",
    "Origin",
    "Bugs",
    "Maintainer",
    "Installed-Size",
    "Pre-Depends",
    "Depends",
    "Recommends",
    "Suggests",
    "Enhances",
    "Conflicts",
    "Breaks",
    "Replaces",
    "Provides",
    "Section",
    "Priority",
    "Multi-Arch",
    "Homepage",
    "Description",
    "Tag",
    "Task",
];

pub(crate) struct ControlParams<'a> {
    pub dir: &'a DebianDir,
    pub binary: &'a Paragraph,
    pub arch: &'a str,
    pub version: &'a str,
    pub installed_size: u64,
    pub substvars: &'a Substvars,
}

/// Build the control paragraph; warnings (unknown fields, undefined
/// substitution variables) are returned for the caller to show.
pub(crate) fn binary_control(p: &ControlParams) -> Result<(Paragraph, Vec<String>)> {
    let package = p.binary.get("Package").unwrap_or_default();
    let mut warnings = Vec::new();
    let mut merged = Paragraph::new();
    for field in p.dir.source.fields() {
        if FROM_SOURCE.iter().any(|f| f.eq_ignore_ascii_case(&field.name)) {
            merged.set(&canonical(&field.name), field.value.clone());
        } else if let Some(name) = binary_custom_field(&field.name) {
            merged.set(&name, field.value.clone());
        }
    }
    for field in p.binary.fields() {
        let known = FROM_BINARY.iter().any(|f| f.eq_ignore_ascii_case(&field.name))
            || relations::is_relation_field(&field.name);
        if known {
            merged.set(&canonical(&field.name), field.value.clone());
        } else if let Some(name) = binary_custom_field(&field.name) {
            merged.set(&name, field.value.clone());
        } else if !field.name.starts_with(['X', 'x'])
            && !SOURCE_ONLY.iter().any(|f| f.eq_ignore_ascii_case(&field.name))
        {
            warnings.push(format!(
                "{}:{}: unknown field `{}` in package `{package}` is not copied",
                p.dir.control_path.display(),
                field.line,
                field.name
            ));
        }
    }
    merged.set("Architecture", p.arch);
    merged.set("Version", p.version);
    merged.set("Installed-Size", p.installed_size.to_string());
    if p.dir.source_name() != package {
        merged.set("Source", p.dir.source_name());
    }

    let mut out = Paragraph::new();
    for field in merged.fields() {
        for name in p.substvars.unknown_in(&field.value) {
            warnings.push(format!("package `{package}`: substitution variable `${{{name}}}` is not defined"));
        }
        let mut value = p
            .substvars
            .expand(&field.value)
            .map_err(|message| Error::Package { package: package.to_string(), message })?;
        if value.contains("${") {
            return Err(Error::Package {
                package: package.to_string(),
                message: format!("unterminated substitution variable in field `{}`: `{value}`", field.name),
            });
        }
        if relations::is_relation_field(&field.name) {
            value = relations::normalize(&value);
        }
        if !value.trim().is_empty() {
            out.set(&field.name, value);
        }
    }
    let rank = |name: &str| ORDER.iter().position(|o| o.eq_ignore_ascii_case(name)).unwrap_or(ORDER.len());
    let mut fields: Vec<_> = out.fields().to_vec();
    fields.sort_by_key(|f| rank(&f.name));
    let mut ordered = Paragraph::new();
    for f in fields {
        ordered.set(&f.name, f.value);
    }
    Ok((ordered, warnings))
}

/// `XB-Foo` / `XBS-Foo` -> `Foo`: custom fields meant for binary packages.
fn binary_custom_field(name: &str) -> Option<String> {
    let rest = name.strip_prefix(['X', 'x'])?;
    let (flags, field) = rest.split_once('-')?;
    (flags.chars().all(|c| "SBCsbc".contains(c)) && flags.to_ascii_uppercase().contains('B')).then(|| field.to_string())
}

/// `multi-arch` -> `Multi-Arch`, as dpkg capitalises known fields.
fn canonical(name: &str) -> String {
    if let Some(known) = ORDER.iter().chain(FROM_BINARY).find(|f| f.eq_ignore_ascii_case(name)) {
        return known.to_string();
    }
    name.to_string()
}
