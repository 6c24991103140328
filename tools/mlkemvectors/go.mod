module brs/mlkemvectors

go 1.26
