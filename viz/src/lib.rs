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

pub mod floorplan;

pub use floorplan::{Heatmap, PixelMap, PlotOptions, render_floorplan};

/// Rendering failures.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// No usable TrueType font.
    #[error("no TrueType font found (tried {0}); install fonts-dejavu-core or set MACROPLACE_FONT")]
    NoFont(String),
    /// The output name has no `.png` or `.svg` extension.
    #[error("{0}: expected a .png or .svg file name")]
    Format(std::path::PathBuf),
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
