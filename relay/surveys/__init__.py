"""The sufficiency survey: asked by a ministry or an office, answered by municipalities through signed links."""
