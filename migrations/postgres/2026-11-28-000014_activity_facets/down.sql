DROP TABLE activity_facets;
