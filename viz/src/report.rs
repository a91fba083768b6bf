//! `report.html`: one self-contained page per placement run — a metrics table and the pictures
//! written beside it, referenced by relative file names. Only pictures that exist are linked
//! ([`write_report_html`] checks), and text is HTML-escaped.

use std::path::Path;

use crate::VizError;

/// What goes in the page.
#[derive(Debug, Clone, Default)]
pub struct HtmlReport {
    /// Page title (design and method).
    pub title: String,
    /// `(name, value)` rows of the metrics table.
    pub metrics: Vec<(String, String)>,
    /// `(caption, file name relative to the page)` of each picture.
    pub pictures: Vec<(String, String)>,
    /// Other files of the run (placement, report.json), linked under the table.
    pub files: Vec<String>,
}

/// Escapes `& < > " '` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// Writes the page to `path` (atomically); pictures and files are resolved next to it and those
/// that do not exist are left out. Returns the referenced file names.
pub fn write_report_html(path: &Path, report: &HtmlReport) -> Result<Vec<String>, VizError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let exists = |f: &str| dir.join(f).is_file();
    let mut referenced = Vec::new();
    let mut body = String::new();
    body.push_str(&format!("<h1>{}</h1>\n<table>\n", escape(&report.title)));
    for (k, v) in &report.metrics {
        body.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            escape(k),
            escape(v)
        ));
    }
    body.push_str("</table>\n");
    let files: Vec<&String> = report.files.iter().filter(|f| exists(f)).collect();
    if !files.is_empty() {
        body.push_str("<p>Files: ");
        for (i, f) in files.iter().enumerate() {
            if i > 0 {
                body.push_str(", ");
            }
            body.push_str(&format!("<a href=\"{0}\">{0}</a>", escape(f)));
            referenced.push((*f).clone());
        }
        body.push_str("</p>\n");
    }
    for (caption, f) in &report.pictures {
        if !exists(f) {
            continue;
        }
        body.push_str(&format!(
            "<figure><a href=\"{0}\"><img src=\"{0}\" alt=\"{1}\"></a><figcaption>{1}</figcaption></figure>\n",
            escape(f),
            escape(caption)
        ));
        referenced.push(f.clone());
    }
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>\n\
         body {{ font-family: sans-serif; margin: 2em; }}\n\
         table {{ border-collapse: collapse; }}\n\
         th, td {{ border: 1px solid #ccc; padding: 0.25em 0.75em; text-align: left; }}\n\
         th {{ background: #f4f4f4; font-weight: normal; }}\n\
         td {{ font-family: monospace; }}\n\
         figure {{ display: inline-block; margin: 1em; vertical-align: top; }}\n\
         img {{ max-width: 560px; border: 1px solid #ddd; }}\n\
         </style>\n</head>\n<body>\n{}</body>\n</html>\n",
        escape(&report.title),
        body
    );
    netlists::io::write_atomic(path, |w| w.write_all(page.as_bytes())).map_err(|e| {
        VizError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e.to_string()),
        }
    })?;
    Ok(referenced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_existing_files_are_referenced_and_text_is_escaped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("floorplan.png"), b"x").unwrap();
        std::fs::write(dir.path().join("report.json"), b"{}").unwrap();
        let r = HtmlReport {
            title: "a<b> & c".into(),
            metrics: vec![("proxy".into(), "0.5".into())],
            pictures: vec![
                ("floorplan".into(), "floorplan.png".into()),
                ("missing".into(), "density.png".into()),
            ],
            files: vec!["report.json".into(), "x.plc".into()],
        };
        let path = dir.path().join("report.html");
        let refs = write_report_html(&path, &r).unwrap();
        assert_eq!(refs, vec!["report.json", "floorplan.png"]);
        let html = std::fs::read_to_string(&path).unwrap();
        assert!(html.contains("a&lt;b&gt; &amp; c"));
        assert!(!html.contains("density.png") && !html.contains("x.plc"));
        // Every src/href in the page names an existing file.
        for attr in ["src=\"", "href=\""] {
            for part in html.split(attr).skip(1) {
                let f = &part[..part.find('"').unwrap()];
                assert!(dir.path().join(f).is_file(), "{f}");
            }
        }
    }
}
