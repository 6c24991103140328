module brs/govectors

go 1.26
