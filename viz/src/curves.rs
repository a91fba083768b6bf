//! Curves: cost against time or iteration from a placer's `report.json` trajectory, and training
//! curves from a JSON-lines log (one object per update with named numeric fields). Each field is
//! drawn in its own panel, stacked, so fields of different scales stay readable.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use serde_json::Value;

use crate::{VizError, ensure_font};
pub use placer::report::Series;

/// Errors of [`load_curves`] name the file and line.
fn bad(path: &Path, line: usize, msg: impl std::fmt::Display) -> VizError {
    VizError::Input(format!("{}:{line}: {msg}", path.display()))
}

/// Reads curves from `path`:
/// - a JSON object with a `trajectory` array of `[time, cost]` pairs or of objects with numeric
///   fields (a placer's `report.json`): x = `time`/`seconds`/`iteration` (first present), one
///   series per other numeric field (or per `fields`);
/// - otherwise JSON lines, one object per line: x = `step`, `update`, `iteration` or `epoch`
///   (first present, else the line number), one series per numeric field (or per `fields`).
pub fn load_curves(path: &Path, fields: &[String]) -> Result<Vec<Series>, VizError> {
    let text = std::fs::read_to_string(path).map_err(|e| VizError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    let rows: Vec<Value> = match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(obj)) if obj.contains_key("trajectory") => match &obj["trajectory"] {
            Value::Array(a) => a
                .iter()
                .map(|p| match p {
                    Value::Array(pair) if pair.len() >= 2 => {
                        serde_json::json!({"time": pair[0], "best_cost": pair[1]})
                    }
                    other => other.clone(),
                })
                .collect(),
            _ => return Err(bad(path, 1, "expected `trajectory` to be an array")),
        },
        _ => {
            let mut rows = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                let v: Value = serde_json::from_str(line).map_err(|e| {
                    bad(
                        path,
                        i + 1,
                        format!("expected one JSON object per line: {e}"),
                    )
                })?;
                if !v.is_object() {
                    return Err(bad(path, i + 1, "expected a JSON object"));
                }
                rows.push(v);
            }
            rows
        }
    };
    if rows.is_empty() {
        return Err(bad(path, 1, "expected at least one record, found none"));
    }
    let x_keys = ["time", "seconds", "step", "update", "iteration", "epoch"];
    let x_name = x_keys
        .iter()
        .find(|k| {
            rows.iter()
                .all(|r| r.get(**k).and_then(Value::as_f64).is_some())
        })
        .map_or("record", |k| *k)
        .to_string();
    let mut names: Vec<String> = Vec::new();
    if fields.is_empty() {
        for r in &rows {
            for (k, v) in r.as_object().into_iter().flatten() {
                if v.is_number() && *k != x_name && !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
    } else {
        names = fields.to_vec();
    }
    let mut out = Vec::new();
    for name in names {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let x = if x_name == "record" {
                    Some(i as f64)
                } else {
                    r.get(&x_name).and_then(Value::as_f64)
                };
                Some((x?, r.get(&name).and_then(Value::as_f64)?))
            })
            .filter(|p| p.0.is_finite() && p.1.is_finite())
            .collect();
        if points.is_empty() {
            return Err(bad(
                path,
                1,
                format!("expected numeric values of field `{name}`, found none"),
            ));
        }
        out.push(Series {
            name,
            x_name: x_name.clone(),
            points,
        });
    }
    if out.is_empty() {
        return Err(bad(path, 1, "expected numeric fields to plot, found none"));
    }
    Ok(out)
}

/// Draws each series in its own panel into `path` (`.png` or `.svg`), atomically.
pub fn render_curves(
    path: &Path,
    title: &str,
    series: &[Series],
    width: u32,
    height: u32,
) -> Result<(), VizError> {
    ensure_font()?;
    crate::write_picture(
        path,
        (width, height),
        |root| draw_curves(root, title, series),
        |root| draw_curves(root, title, series),
    )
}

fn draw_curves<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    series: &[Series],
) -> Result<(), VizError> {
    let de =
        |e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>| VizError::Draw(e.to_string());
    root.fill(&WHITE).map_err(de)?;
    let words: Vec<String> = title.split(' ').map(str::to_string).collect();
    let (_, root) = crate::floorplan::draw_title(root, &words, " ", 20).map_err(de)?;
    let panels = root.split_evenly((series.len().max(1), 1));
    for (s, area) in series.iter().zip(panels.iter()) {
        let (mut xmin, mut xmax, mut ymin, mut ymax) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for &(x, y) in &s.points {
            xmin = xmin.min(x);
            xmax = xmax.max(x);
            ymin = ymin.min(y);
            ymax = ymax.max(y);
        }
        if xmax <= xmin {
            xmax = xmin + 1.0;
        }
        let pad = if ymax > ymin {
            0.05 * (ymax - ymin)
        } else {
            0.5 * ymin.abs().max(1.0)
        };
        let mut chart = ChartBuilder::on(area)
            .caption(&s.name, ("sans-serif", 15))
            .margin(8)
            .x_label_area_size(35)
            .y_label_area_size(70)
            .build_cartesian_2d(xmin..xmax, (ymin - pad)..(ymax + pad))
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_desc(s.x_name.as_str())
            .y_desc(s.name.as_str())
            .label_style(("sans-serif", 12))
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(de)?;
        chart
            .draw_series(LineSeries::new(
                s.points.iter().copied(),
                RGBColor(31, 119, 180).stroke_width(2),
            ))
            .map_err(de)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonl_and_trajectory_load_and_render() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("train.jsonl");
        std::fs::write(&log, "{\"update\": 0, \"return\": -1.0, \"entropy\": 2.0}\n{\"update\": 1, \"return\": -0.8, \"entropy\": 1.9}\n\n{\"update\": 2, \"return\": -0.7, \"entropy\": 1.7}\n").unwrap();
        let s = load_curves(&log, &[]).unwrap();
        assert_eq!(s.len(), 2);
        let ret = s.iter().find(|x| x.name == "return").unwrap();
        assert_eq!(ret.x_name, "update");
        assert_eq!(ret.points, vec![(0.0, -1.0), (1.0, -0.8), (2.0, -0.7)]);
        let only = load_curves(&log, &["entropy".into()]).unwrap();
        assert_eq!(only.len(), 1);
        let out = dir.path().join("c.png");
        render_curves(&out, "training", &s, 800, 600).unwrap();
        let img = image::open(&out).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (800, 600));
        // The line colour appears.
        assert!(img.pixels().any(|p| p.0 == [31, 119, 180]));

        let rep = dir.path().join("report.json");
        std::fs::write(
            &rep,
            "{\"method\": \"sa\", \"trajectory\": [[0.0, 0.9], [1.5, 0.8], [3.0, 0.75]]}",
        )
        .unwrap();
        let s = load_curves(&rep, &[]).unwrap();
        assert_eq!(s[0].name, "best_cost");
        assert_eq!(s[0].x_name, "time");
        render_curves(&dir.path().join("r.svg"), "sa", &s, 800, 400).unwrap();
    }

    #[test]
    fn bad_logs_name_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("bad.jsonl");
        std::fs::write(&log, "{\"a\": 1}\nnot json\n").unwrap();
        let e = load_curves(&log, &[]).unwrap_err().to_string();
        assert!(e.contains("bad.jsonl:2:"), "{e}");
        std::fs::write(&log, "{\"a\": 1}\n").unwrap();
        let e = load_curves(&log, &["b".into()]).unwrap_err().to_string();
        assert!(e.contains("field `b`"), "{e}");
    }
}
