// An area's households as points on a map, coloured by their state this period (the report page's map).
// Leaflet is served by the app (bot/static/leaflet), so the map needs no CDN. The points are drawn on a canvas
// (thousands of them stay quick on a cheap phone); the background tiles come from `tiles` when the phone is
// online and the setting gives a server, and without them the points are drawn on a plain background.
(function () {
  "use strict";

  function draw(element) {
    const data = JSON.parse(element.dataset.map);
    const map = L.map(element, { preferCanvas: true, zoomControl: true, attributionControl: Boolean(data.tiles) });
    if (data.tiles && navigator.onLine !== false) {
      L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution || "" }).addTo(map);
    }
    const bounds = [];
    for (const [lat, lon, state] of data.points) {
      const style = data.states[state];
      L.circleMarker([lat, lon], { radius: 5, weight: 1, color: "#ffffff", fillColor: style.colour, fillOpacity: 0.9 })
        .bindTooltip(style.label)
        .addTo(map);
      bounds.push([lat, lon]);
    }
    if (bounds.length) {
      map.fitBounds(bounds, { padding: [16, 16], maxZoom: 15 });
    } else {
      map.setView(data.centre, 6);
    }
    element.dataset.drawn = String(bounds.length);  // how many points were drawn: what the page's test reads
  }

  window.drawAreaMaps = function () {
    document.querySelectorAll("[data-map]").forEach(draw);
  };
})();
