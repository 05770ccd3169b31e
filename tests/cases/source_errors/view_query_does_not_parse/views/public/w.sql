-- unknown_option: 1
SELECT 1
