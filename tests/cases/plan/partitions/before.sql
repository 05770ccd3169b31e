CREATE TABLE public.events (
    id bigint NOT NULL,
    at date NOT NULL
) PARTITION BY RANGE (at);
CREATE TABLE public.events_2023 PARTITION OF public.events FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO public.events VALUES (1, '2023-05-01'), (2, '2024-05-01'), (3, '2024-06-01');
