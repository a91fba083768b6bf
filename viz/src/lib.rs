//! # viz
//!
//! Pictures of placements, drawn with `plotters`: the floorplan (canvas, grid, hard macros with
//! an orientation mark, translucent soft macros, ports, std-cell density shading, flylines of the
//! heaviest nets, violations in red) with an optional heat map (density, H or V congestion from
//! the cost model's maps, with a colour bar and the cells that set the cost outlined). PNG or SVG
//! by the file extension; files are written to a temporary name and renamed.
//!
//! Reads `netlists` and `placer`; never links libtorch. Text needs a TrueType font: DejaVu Sans
//! (Debian `fonts-dejavu-core`) or Liberation Sans, or the file named by `$MACROPLACE_FONT`.

pub mod curves;
pub mod floorplan;
pub mod report;

pub use curves::{Series, load_curves, render_curves};
pub use floorplan::{
    Heatmap, PixelMap, PlotOptions, render_floorplan, render_scored, render_side_by_side, score,
};
pub use report::{HtmlReport, write_report_html};

/// Rendering failures.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// No usable TrueType font.
    #[error("no TrueType font found (tried {0}); install fonts-dejavu-core or set MACROPLACE_FONT")]
    NoFont(String),
    /// The output name has no `.png` or `.svg` extension.
    #[error("{0}: expected a .png or .svg file name")]
    Format(std::path::PathBuf),
    /// Malformed curve input (`file:line: message`).
    #[error("{0}")]
    Input(String),
    /// Drawing failed.
    #[error("drawing failed: {0}")]
    Draw(String),
    /// Writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}

/// Registers a sans-serif font with plotters once; later calls return the first outcome.
pub fn ensure_font() -> Result<(), VizError> {
    static DONE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        let mut candidates: Vec<String> = Vec::new();
        if let Ok(f) = std::env::var("MACROPLACE_FONT") {
            candidates.push(f);
        }
        candidates.extend(
            [
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/TTF/DejaVuSans.ttf",
                "/usr/share/fonts/dejavu/DejaVuSans.ttf",
                "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            ]
            .map(String::from),
        );
        for c in &candidates {
            if let Ok(bytes) = std::fs::read(c) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font(
                    "sans-serif",
                    plotters::style::FontStyle::Normal,
                    bytes,
                )
                .is_ok()
                {
                    return Ok(());
                }
            }
        }
        Err(candidates.join(", "))
    })
    .clone()
    .map_err(VizError::NoFont)
}

/// Draws a picture into `path` (`.png` or `.svg` by extension) through a temporary file in the
/// same directory, renamed into place only on success. The two closures are the same drawing
/// code instantiated for each backend.
pub(crate) fn write_picture<T>(
    path: &std::path::Path,
    size: (u32, u32),
    png: impl FnOnce(
        &plotters::drawing::DrawingArea<
            plotters::backend::BitMapBackend<'_>,
            plotters::coord::Shift,
        >,
    ) -> Result<T, VizError>,
    svg: impl FnOnce(
        &plotters::drawing::DrawingArea<plotters::backend::SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<T, VizError>,
) -> Result<T, VizError> {
    use plotters::prelude::IntoDrawingArea;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if !matches!(ext.as_deref(), Some("png" | "svg")) {
        return Err(VizError::Format(path.to_path_buf()));
    }
    let ext = ext.unwrap_or_default();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let io = |e: std::io::Error| VizError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let tmp = tempfile::Builder::new()
        .prefix(".macroplace-")
        .suffix(&format!(".{ext}"))
        .tempfile_in(dir)
        .map_err(io)?;
    let out = if ext == "png" {
        let root = plotters::backend::BitMapBackend::new(tmp.path(), size).into_drawing_area();
        let v = png(&root)?;
        root.present().map_err(|e| VizError::Draw(e.to_string()))?;
        v
    } else {
        let root = plotters::backend::SVGBackend::new(tmp.path(), size).into_drawing_area();
        let v = svg(&root)?;
        root.present().map_err(|e| VizError::Draw(e.to_string()))?;
        v
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(io)?;
    }
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(out)
}
