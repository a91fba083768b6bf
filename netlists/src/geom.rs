//! Geometry shared by the readers, the placers and the pictures: axis-aligned rectangles in
//! design units (µm for Circuit Training, DBU for Bookshelf), the canvas as one, and the box a
//! node occupies at its orientation.
//!
//! Architecture invariant: [`Rect::centred`] computes corners with exactly the expressions the
//! legality check uses (`x − w/2`, `x + w/2`), so a box that passes one test passes every other.

use crate::ids::NodeId;
use crate::model::{Blockage, Floorplan, Netlist, Placement, footprint};

/// An axis-aligned rectangle: lower-left `(x0, y0)`, upper-right `(x1, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Rect {
    /// Left edge.
    pub x0: f64,
    /// Bottom edge.
    pub y0: f64,
    /// Right edge.
    pub x1: f64,
    /// Top edge.
    pub y1: f64,
}

impl Rect {
    /// The rectangle with these corners.
    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Rect {
        Rect { x0, y0, x1, y1 }
    }

    /// The `w × h` rectangle centred at `(x, y)`.
    #[inline]
    pub fn centred(x: f64, y: f64, w: f64, h: f64) -> Rect {
        Rect {
            x0: x - w / 2.0,
            y0: y - h / 2.0,
            x1: x + w / 2.0,
            y1: y + h / 2.0,
        }
    }

    /// Width.
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }

    /// Height.
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }

    /// Area (0 for an inverted rectangle).
    pub fn area(&self) -> f64 {
        self.width().max(0.0) * self.height().max(0.0)
    }

    /// Centre.
    pub fn centre(&self) -> (f64, f64) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }

    /// Overlap with `o` along x and y (negative when apart).
    #[inline]
    pub fn overlap_xy(&self, o: &Rect) -> (f64, f64) {
        (
            self.x1.min(o.x1) - self.x0.max(o.x0),
            self.y1.min(o.y1) - self.y0.max(o.y0),
        )
    }

    /// Whether the two share an area of positive size (touching edges do not overlap).
    #[inline]
    pub fn overlaps(&self, o: &Rect) -> bool {
        let (dx, dy) = self.overlap_xy(o);
        dx > 0.0 && dy > 0.0
    }

    /// The area the two share.
    pub fn overlap_area(&self, o: &Rect) -> f64 {
        let (dx, dy) = self.overlap_xy(o);
        dx.max(0.0) * dy.max(0.0)
    }

    /// Whether `o` lies inside (edges included), with tolerance `eps`.
    pub fn contains(&self, o: &Rect, eps: f64) -> bool {
        o.x0 >= self.x0 - eps
            && o.y0 >= self.y0 - eps
            && o.x1 <= self.x1 + eps
            && o.y1 <= self.y1 + eps
    }
}

impl Floorplan {
    /// The canvas as a rectangle.
    pub fn canvas(&self) -> Rect {
        Rect::new(
            self.x_min,
            self.y_min,
            self.x_min + self.width,
            self.y_min + self.height,
        )
    }
}

impl Blockage {
    /// The blocked area as a rectangle.
    pub fn rect(&self) -> Rect {
        Rect::new(self.x_min, self.y_min, self.x_max, self.y_max)
    }
}

impl Placement {
    /// The box node `node` occupies: centred at its position, with its footprint at its
    /// orientation (width and height swapped for E/W orientations when `swap`, as Bookshelf
    /// does; Circuit Training never swaps).
    pub fn node_rect(&self, netlist: &Netlist, node: NodeId, swap: bool) -> Rect {
        let i = node.idx();
        let (w, h) = footprint(netlist, node, self.orient[i], swap);
        Rect::centred(self.x[i], self.y[i], w, h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_rules() {
        let a = Rect::centred(5.0, 5.0, 10.0, 10.0);
        assert_eq!(a, Rect::new(0.0, 0.0, 10.0, 10.0));
        let touching = Rect::new(10.0, 0.0, 20.0, 10.0);
        assert!(!a.overlaps(&touching));
        assert_eq!(a.overlap_area(&touching), 0.0);
        let b = Rect::new(8.0, 9.0, 12.0, 20.0);
        assert!(a.overlaps(&b));
        assert_eq!(a.overlap_area(&b), 2.0);
        assert!(a.contains(&Rect::new(1.0, 1.0, 10.0, 10.0), 0.0));
        assert!(!a.contains(&b, 0.0));
        assert_eq!(a.centre(), (5.0, 5.0));
        assert_eq!(Rect::new(3.0, 3.0, 1.0, 1.0).area(), 0.0);
    }
}
